"""What a drawn figure shows, read from matplotlib's renderer (shared by the chart tests of
tests/report and tests/publication)."""
import itertools

import matplotlib.text
import numpy as np


def label_line_crossings(fig, ax) -> list:
    """(label, line) pairs where a label's drawn text box touches a drawn line, found by
    walking each line in steps of a quarter of a pixel (independent of the clipping test
    the placement uses)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    r = FigureCanvasAgg(fig).get_renderer()
    fig.draw(r)
    found = []
    for a in ax.texts:
        b = matplotlib.text.Text.get_window_extent(a, r)
        for line in ax.get_lines():
            if line.get_linestyle() in ("None", "none", "", " "):
                continue
            xy = line.get_transform().transform(np.asarray(line.get_xydata(), float))
            pad = line.get_linewidth() * fig.dpi / 72 / 2  # half the line's width, in pixels
            for (x0, y0), (x1, y1) in itertools.pairwise(xy):
                if not np.isfinite([x0, y0, x1, y1]).all():
                    continue
                steps = int(max(abs(x1 - x0), abs(y1 - y0)) * 4) + 2
                t = np.linspace(0, 1, steps)
                px, py = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
                if ((px > b.x0 - pad) & (px < b.x1 + pad) & (py > b.y0 - pad) & (py < b.y1 + pad)).any():
                    found.append((a.get_text(), line.get_label()))
                    break
    return found
