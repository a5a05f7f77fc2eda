"""Face verification providers (pluggable). The reference one is simulated: the session's URL is shown
as a QR code and the result is posted to `POST /api/v1/face/{token}/result` (by a test, the command
line or the little page at the URL)."""

from __future__ import annotations

from typing import Protocol


class FaceProvider(Protocol):
    """Starts a verification session; the result comes back later through the session's token."""

    name: str

    def session_url(self, token: str, public_base_url: str) -> str:
        """The URL the CPA opens (shown as a QR code on PC)."""
        ...


class SimulatedFaceProvider:
    name = "simulated"

    def session_url(self, token: str, public_base_url: str) -> str:
        return f"{public_base_url.rstrip('/')}/api/v1/face/{token}"


def make_face_provider(name: str) -> FaceProvider:
    if name == "simulated":
        return SimulatedFaceProvider()
    raise ValueError(f"unknown face provider: {name}")
