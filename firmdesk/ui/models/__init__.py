"""Qt table models over the service records, and the proxy that sorts and filters them."""
