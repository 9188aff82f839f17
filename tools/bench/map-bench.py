#!/usr/bin/env python3
"""map-bench.py - time `landreg map district` against QGIS drawing the same store headless.

USAGE
  .venv/bin/python3 tools/bench/map-bench.py [--landreg PATH] [--parcels N] [--reps R] [--size WxH] [--dpi D]

For the sample district (GeoData/, through `landreg demo`) and a synthetic one of N parcels (tools/gen_district.py,
seed 7, cached in tools/bench/out/ as bench.py caches it; parcels, village and basic-farmland zones, two spot
batches imported untimed), it alternates R times:
  landreg  `landreg map district -o X.png --size WxH --dpi D`: the whole process (open the store, read, draw
           parcels, sites, spots, farmland hatching, zones, labels, legend, scale bar, encode the PNG).
  QGIS     Debian's QGIS (python3-qgis, /usr/bin/python3, QT_QPA_PLATFORM=offscreen): the store's parcels layer
           with its default style from layer_styles, QgsMapSettings on landreg's extent, the same size and dpi,
           QgsMapRendererCustomPainterJob onto a QImage, saved as PNG. Timed twice: the whole process (QGIS's start
           included) and the render + save alone (measured inside the process).
It prints the medians and the ratios landreg/QGIS. QGIS draws less than landreg (the parcels layer only), so the
ratio is conservative for landreg. Not a test: figures depend on the machine and its load.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "out")
PY = sys.executable

QGIS_SCRIPT = r"""
import json, sys, time
from qgis.core import QgsApplication, QgsVectorLayer, QgsMapSettings, QgsMapRendererCustomPainterJob, QgsRectangle
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QImage, QPainter, QColor
store, out, w, h, dpi, extent = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), json.loads(sys.argv[6])
app = QgsApplication([], False); app.initQgis()
t0 = time.perf_counter()
layer = QgsVectorLayer(store + "|layername=parcels", "parcels", "ogr")
assert layer.isValid(), "QGIS cannot open the parcels layer"
assert layer.renderer().type() == "categorizedSymbol", "the default style was not applied: " + layer.renderer().type()
settings = QgsMapSettings()
settings.setLayers([layer]); settings.setOutputSize(QSize(w, h)); settings.setOutputDpi(dpi)
settings.setDestinationCrs(layer.crs()); settings.setExtent(QgsRectangle(*extent)); settings.setBackgroundColor(QColor(255, 255, 255))
image = QImage(QSize(w, h), QImage.Format_ARGB32_Premultiplied); image.fill(QColor(255, 255, 255))
painter = QPainter(image)
job = QgsMapRendererCustomPainterJob(settings, painter); job.start(); job.waitForFinished(); painter.end()
assert image.save(out, "PNG")
print(json.dumps({"render_s": time.perf_counter() - t0, "features": layer.featureCount()}), flush=True)
import os
os._exit(0)   # QGIS 3.22's exitQgis() crashes on a layer still alive; nothing is left to clean up

"""


def run(cmd, env=None):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"map-bench: {' '.join(cmd[:4])} … failed: {r.stderr[-800:]}")
    return dt, r.stdout


def demo_store(landreg):
    path = os.path.join(OUT, "map-demo.gpkg")
    if not os.path.exists(path):
        run([landreg, "demo", "--store", path, "--data", os.path.join(REPO, "GeoData")])
    return path


def district_store(landreg, n, spots_per_batch=None):
    """A store of n generated parcels (seed 7) and two spot batches: the generator's default number of spots per
    batch, or `spots_per_batch` (tools/bench/dossier-bench.py). Built once, untimed, cached in tools/bench/out/."""
    suffix = "" if spots_per_batch is None else f"-spots{spots_per_batch}"
    data = os.path.join(OUT, f"data-{n}{suffix}")
    if not os.path.exists(os.path.join(data, "parcels.geojson")):
        print(f"map-bench: generating {n:,} parcels in {data} (once)", file=sys.stderr)
        tmp = data + ".tmp"
        spots = [] if spots_per_batch is None else ["--spots", str(spots_per_batch)]
        run([PY, os.path.join(REPO, "tools", "gen_district.py"), "--parcels", str(n), "--seed", "7", "--out", tmp,
             "--crs", "4549", "--format", "geojson", "--quiet"] + spots)
        os.replace(tmp, data)
    path = os.path.join(OUT, f"map-store-{n}{suffix}.gpkg")
    if not os.path.exists(path):
        print(f"map-bench: building {path} (once, untimed)", file=sys.stderr)
        tmp = path + ".tmp.gpkg"
        for s in ("", "-wal", "-shm"):
            if os.path.exists(tmp + s):
                os.remove(tmp + s)
        steps = [["init"], ["import", "parcels", os.path.join(data, "parcels.geojson"), "--profile", "sandiao"]]
        for kind in ("village", "basic-farmland"):
            steps.append(["import", "zones", os.path.join(data, f"zones-{kind}.geojson"), "--kind", kind])
        for batch in ("2023-07", "2024-01"):
            steps.append(["import", "spots", os.path.join(data, f"spots-{batch}.geojson"), "--batch", batch])
        for s in steps:
            run([landreg] + s + ["--store", tmp, "--quiet"] if s[0] == "import" else [landreg] + s + ["--store", tmp])
        os.replace(tmp, path)
    return path


def bench(name, landreg, store, args, work):
    w, h = args.size.split("x")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    ours, theirs, theirs_render = [], [], []
    drawn = None
    script = os.path.join(work, "qgis_render.py")
    with open(script, "w") as f:
        f.write(QGIS_SCRIPT)
    for _ in range(args.reps):
        out = os.path.join(work, f"{name}-landreg.png")
        dt, stdout = run([landreg, "map", "district", "-o", out, "--size", args.size, "--dpi", str(args.dpi),
                          "--overwrite", "--json", "--store", store])
        ours.append(dt)
        drawn = json.loads(stdout)
        dt, stdout = run(["/usr/bin/python3", script, store, os.path.join(work, f"{name}-qgis.png"), w, h,
                          str(args.dpi), json.dumps(drawn["extent"])], env=env)
        theirs.append(dt)
        theirs_render.append(json.loads(stdout.strip().splitlines()[-1])["render_s"])
    m, q, qr = statistics.median(ours), statistics.median(theirs), statistics.median(theirs_render)
    d = drawn["drawn"]
    print(f"| {name} | {d['parcels']:,} parcels, {d['spots']} spots, {d['zones']} zones | {m:.2f} s | {q:.2f} s | "
          f"{qr:.2f} s | {m / q:.2f} | {m / qr:.2f} |")


def parser(doc):
    """The options every benchmark of the built binary takes: --landreg (the release build when there is one)."""
    p = argparse.ArgumentParser(description=doc.split("\n")[0])
    release = os.path.join(REPO, ".build", "release", "landreg")
    p.add_argument("--landreg", default=release if os.path.exists(release) else os.path.join(REPO, ".build", "debug", "landreg"))
    return p


def main():
    p = parser(__doc__)
    p.add_argument("--parcels", type=int, default=100_000, help="the synthetic district's size (0: the sample only)")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--size", default="1600x1200")
    p.add_argument("--dpi", type=int, default=150)
    args = p.parse_args()
    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp(prefix="landreg-map-bench-")
    print(f"landreg: {args.landreg}; {args.size} px at {args.dpi} dpi; median of {args.reps}\n")
    print("| district | drawn by landreg | landreg | QGIS process | QGIS render | ratio (process) | ratio (vs render) |")
    print("|---|---|---|---|---|---|---|")
    bench("sample", args.landreg, demo_store(args.landreg), args, work)
    if args.parcels > 0:
        bench(f"{args.parcels:,}", args.landreg, district_store(args.landreg, args.parcels), args, work)
    print(f"\npictures in {work}")


if __name__ == "__main__":
    main()
