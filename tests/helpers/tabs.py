"""What the firm's tabs list, as the tests ask the server for it: read from `firmdesk.domain.tabs`."""

from __future__ import annotations

from firmdesk.domain.states import FirmTab
from firmdesk.domain.tabs import tab_scope


def tab_batch_states(tab: FirmTab) -> list[str]:
    """The batch states `tab` lists (sorted), as `CmisClient.batches` is asked for them."""
    states = tab_scope(tab).batch_states
    assert states is not None, f"{tab} lists batches of any state"
    return sorted(states)
