# sandtier figures hook, run by run-python.py after the guest's code (loaded by path, never imported, so a
# guest module named `figures` is not shadowed): every matplotlib figure still open at the end of a run is
# saved as /work/out/figure-<n>.png and closed, as a notebook shows it, so it comes back in ExecResult.files.
# It runs in the guest's own process, under the run's limits; whatever the guest did to matplotlib, a failure
# here is a line on stderr, never a harness failure.
import os
import sys

OUT_DIR = '/work/out'
MAX_FIGURES = 20
# Pixels of one PNG: a figure larger than this (figsize x dpi) is saved at a lower dpi to fit.
MAX_PIXELS = 4096 * 4096


def note(message):
    try:
        sys.stderr.write('sandtier: figures: %s\n' % message)
    except Exception:
        pass


def tight_or_none(figure, dpi):
    """'tight' (what notebooks use) unless the artists reach so far that the PNG would pass MAX_PIXELS."""
    try:
        box = figure.get_tightbbox(figure.canvas.get_renderer())
        if box.width * box.height * dpi * dpi <= MAX_PIXELS:
            return 'tight'
    except Exception:
        pass
    return None


def save_open_figures():
    """Saves and closes the open pyplot figures; returns how many were saved."""
    plt = sys.modules.get('matplotlib.pyplot')
    if plt is None:
        return 0
    try:
        numbers = sorted(plt.get_fignums())
    except Exception as e:
        note('cannot list the open figures: %s' % e)
        return 0
    if not numbers:
        return 0
    if len(numbers) > MAX_FIGURES:
        note('%d figures open: the first %d are saved' % (len(numbers), MAX_FIGURES))
    saved = 0
    try:
        os.makedirs(OUT_DIR, exist_ok=True)
    except OSError as e:
        note('cannot create %s: %s' % (OUT_DIR, e))
        numbers = []
    for index, number in enumerate(numbers[:MAX_FIGURES], 1):
        path = '%s/figure-%d.png' % (OUT_DIR, index)
        try:
            figure = plt.figure(number)
            dpi = float(figure.dpi)
            width, height = figure.get_size_inches()
            pixels = width * height * dpi * dpi
            if pixels > MAX_PIXELS:
                dpi = max(1.0, dpi * (MAX_PIXELS / pixels) ** 0.5)
                note('figure %d is %.0fx%.0f in: saved at %.0f dpi' % (number, width, height, dpi))
            figure.savefig(path, format='png', dpi=dpi, bbox_inches=tight_or_none(figure, dpi))
            saved += 1
        except Exception as e:
            note('figure %d not saved: %s: %s' % (number, type(e).__name__, str(e)[:200]))
    try:
        plt.close('all')
    except Exception as e:
        note('cannot close the figures: %s' % e)
    return saved
