"""A QR code as inline SVG markup for the pages (`qr_svg(url, label=...)`, a `Markup`: no `| safe` needed).

Drawn from `domain.qr_matrix` (the encoder the client's labels use): one `<path>` of unit squares, a quiet
zone of four modules, crisp edges, scaled by CSS. Inline SVG needs no image request and passes the pages'
CSP (no inline styles or scripts in it). The encoder (numpy: ~0.2 s) is imported at the first code drawn, not
when the server starts.
"""

from __future__ import annotations

from markupsafe import Markup, escape

QUIET_ZONE = 4


def qr_svg(text: str, *, label: str, size_px: int = 220) -> Markup:
    """An `<svg role="img">` of the QR code of `text`, announced to screen readers as `label`."""
    from firmdesk.domain.qr_matrix import qr_matrix

    matrix = qr_matrix(text)
    count = matrix.shape[0]
    side = count + 2 * QUIET_ZONE
    runs: list[str] = []
    for y in range(count):
        row = matrix[y]
        x = 0
        while x < count:
            if row[x]:
                start = x
                while x < count and row[x]:
                    x += 1
                runs.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return Markup(
        '<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" width="{size}" height="{size}" '
        'role="img" aria-label="{label}" shape-rendering="crispEdges">'
        '<rect width="{side}" height="{side}" fill="#fff"/><path fill="#000" d="{path}"/></svg>'
    ).format(side=side, size=size_px, label=escape(label), path="".join(runs))
