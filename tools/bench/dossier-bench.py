#!/usr/bin/env python3
"""dossier-bench.py - time `landreg dossier spots` against QGIS's own atlas export of the same spots.

USAGE
  .venv/bin/python3 tools/bench/dossier-bench.py [--landreg PATH] [--spots N] [--parcels P] [--reps R] [--no-rss]

A synthetic district of P parcels and N spots (two batches of N/2; tools/gen_district.py, seed 7, built once and
cached in tools/bench/out/ by map-bench.py's district_store), then R times, alternating:
  landreg  `landreg dossier spots -o X.pdf --json`: every live spot, the whole process (open the store, select,
           then per spot: read its row and events, draw its map from the parcels, sites, spots, farmland and zones
           in the frame, set its fields, history and evidence, write the page) plus the cover page. Its --json
           phase timings are printed too.
  QGIS     Debian's QGIS (python3-qgis, /usr/bin/python3, QT_QPA_PLATFORM=offscreen): the same store's parcels,
           sites, spots and zones layers with their default styles from layer_styles, a QgsPrintLayout on A4
           portrait with a QgsLayoutItemMap driven by a QgsLayoutAtlas over the spots layer (sorted by code, each
           spot framed with a margin), a legend filtered to the map, a scale bar, a north arrow and a label with the
           spot's fields, exported by QgsLayoutExporter.exportToPdf. Timed as the whole process (QGIS's start
           included) and as the export alone (inside the process).
Both PDFs' page counts are read with pdfinfo. QGIS's page holds less than landreg's (no lifecycle table, no
evidence, no cover, no farmland hatching), so the ratio is conservative for landreg.
With rss on (default), landreg's peak resident memory (wait4's ru_maxrss) is measured for dossiers of the first 10
and the first 200 spots: it should not grow with the number of pages.
Not a test: figures depend on the machine and its load.
"""
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

_spec = importlib.util.spec_from_file_location("map_bench", os.path.join(HERE, "map-bench.py"))
map_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(map_bench)

QGIS_ATLAS = r"""
import json, os, sys, time
from qgis.core import (QgsApplication, QgsVectorLayer, QgsProject, QgsPrintLayout, QgsLayoutItemMap,
                       QgsLayoutItemLegend, QgsLayoutItemScaleBar, QgsLayoutItemLabel, QgsLayoutItemPicture,
                       QgsLayoutItemPage, QgsLayoutPoint, QgsLayoutSize, QgsUnitTypes, QgsLayoutExporter)
store, out = sys.argv[1], sys.argv[2]
app = QgsApplication([], False); app.initQgis()
t0 = time.perf_counter()
project = QgsProject.instance()
layers = {}
for name in ("parcels", "sites", "spots", "zones"):
    layer = QgsVectorLayer(store + "|layername=" + name, name, "ogr")
    assert layer.isValid(), "QGIS cannot open the " + name + " layer"
    assert layer.renderer().type() in ("categorizedSymbol", "RuleRenderer"), name + ": default style not applied"
    layers[name] = layer
project.addMapLayers(list(layers.values()))
spots = layers["spots"]
MM = QgsUnitTypes.LayoutMillimeters
layout = QgsPrintLayout(project); layout.initializeDefaults()
layout.pageCollection().page(0).setPageSize("A4", QgsLayoutItemPage.Portrait)
# The same geometry as landreg's page: title on top, map frame 144 x 133 mm, a panel on the right.
title = QgsLayoutItemLabel(layout)
title.setText('违法图斑 [% "code" %] · 批次 [% "batch" %] · [% "status" %]')
title.attemptMove(QgsLayoutPoint(4, 4, MM)); title.attemptResize(QgsLayoutSize(200, 10, MM)); layout.addLayoutItem(title)
m = QgsLayoutItemMap(layout)
m.attemptMove(QgsLayoutPoint(4, 15, MM)); m.attemptResize(QgsLayoutSize(144, 133, MM))
m.setCrs(spots.crs()); m.setLayers([layers["zones"], spots, layers["sites"], layers["parcels"]])
m.setFrameEnabled(True)
m.setAtlasDriven(True); m.setAtlasScalingMode(QgsLayoutItemMap.Auto); m.setAtlasMargin(0.3)
layout.addLayoutItem(m)
north = QgsLayoutItemPicture(layout)
north.setPicturePath(":/images/north_arrows/layout_default_north_arrow.svg"); north.setLinkedMap(m)
north.attemptMove(QgsLayoutPoint(170, 15, MM)); north.attemptResize(QgsLayoutSize(12, 18, MM)); layout.addLayoutItem(north)
legend = QgsLayoutItemLegend(layout); legend.setLinkedMap(m); legend.setLegendFilterByMapEnabled(True)
legend.attemptMove(QgsLayoutPoint(151, 36, MM)); layout.addLayoutItem(legend)
bar = QgsLayoutItemScaleBar(layout); bar.setStyle("Single Box"); bar.setLinkedMap(m); bar.applyDefaultSize()
bar.attemptMove(QgsLayoutPoint(151, 132, MM)); layout.addLayoutItem(bar)
fields = QgsLayoutItemLabel(layout)
fields.setText(
    '图斑编号 code [% "code" %]  监测批次 batch [% "batch" %]  发现日期 detected [% "detected_date" %]\n'
    '监测面积 area [% format_number("ellipsoidal_area_m2", 1) %] m² = [% format_number("ellipsoidal_area_m2" / (10000 / 15), 2) %] 亩\n'
    '占用耕地 farmland [% format_number("farmland_area_m2", 1) %] m²  永久基本农田 [% format_number("basic_farmland_area_m2", 1) %] m²\n'
    '判定 [% "judgement" %] [% "basis" %]  整改方式 [% "measure" %]  期限 [% "deadline" %]  状态 [% "status" %]  剩余 [% "remaining_m2" %]')
fields.attemptMove(QgsLayoutPoint(10, 152, MM)); fields.attemptResize(QgsLayoutSize(190, 40, MM)); layout.addLayoutItem(fields)
atlas = layout.atlas()
atlas.setCoverageLayer(spots); atlas.setEnabled(True)
atlas.setFilterFeatures(True); atlas.setFilterExpression('"retired_at" IS NULL')
atlas.setSortFeatures(True); atlas.setSortExpression('"code"')
t1 = time.perf_counter()
result, error = QgsLayoutExporter.exportToPdf(atlas, out, QgsLayoutExporter.PdfExportSettings())
assert result == QgsLayoutExporter.Success, "atlas export failed: %s %s" % (result, error)
t2 = time.perf_counter()
print(json.dumps({"setup_s": t1 - t0, "export_s": t2 - t1, "features": spots.featureCount()}), flush=True)
os._exit(0)   # QGIS 3.22's exitQgis() crashes on layers still alive; nothing is left to clean up
"""


def timed(cmd, env=None):
    """Runs `cmd`; returns (seconds, stdout, peak RSS in MiB) or exits with its error."""
    t = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t
        out.seek(0); err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"dossier-bench: {' '.join(cmd[:4])} … failed: {stderr[-800:]}")
    return dt, stdout, usage.ru_maxrss / 1024


def pages(pdf):
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def main():
    p = map_bench.parser(__doc__)
    p.add_argument("--spots", type=int, default=1738, help="spots in the district (two batches of half)")
    p.add_argument("--parcels", type=int, default=100_000)
    p.add_argument("--reps", type=int, default=1)
    p.add_argument("--no-rss", action="store_true", help="skip the 10 vs 200 spots peak-memory rows")
    args = p.parse_args()
    os.makedirs(map_bench.OUT, exist_ok=True)
    store = map_bench.district_store(args.landreg, args.parcels, args.spots // 2)
    work = tempfile.mkdtemp(prefix="landreg-dossier-bench-")
    script = os.path.join(work, "qgis_atlas.py")
    with open(script, "w") as f:
        f.write(QGIS_ATLAS)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    ours, rss, theirs, theirs_export, phases = [], [], [], [], None
    for _ in range(args.reps):
        out = os.path.join(work, "landreg.pdf")
        dt, stdout, peak = timed([args.landreg, "dossier", "spots", "-o", out, "--overwrite", "--json", "--store", store])
        ours.append(dt); rss.append(peak)
        doc = json.loads(stdout)
        phases = doc["timings"]
        qgis_pdf = os.path.join(work, "qgis.pdf")
        dt, stdout, _ = timed(["/usr/bin/python3", script, store, qgis_pdf], env=env)
        theirs.append(dt)
        theirs_export.append(json.loads(stdout.strip().splitlines()[-1])["export_s"])
    m, q, qe = statistics.median(ours), statistics.median(theirs), statistics.median(theirs_export)
    n = doc["summary"]["spots"]
    print(f"landreg: {args.landreg}; {args.parcels:,} parcels, {n:,} spots; median of {args.reps}\n")
    print("| dossier | landreg | landreg peak RSS | QGIS process | QGIS atlas export | ratio (process) | ratio (vs export) |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {n:,} spots: landreg {pages(out):,} pages, QGIS {pages(qgis_pdf):,} pages | {m:.2f} s | "
          f"{statistics.median(rss):.0f} MiB | {q:.2f} s | {qe:.2f} s | {m / q:.2f} | {m / qe:.2f} |")
    print("\nlandreg phases (s, all pages): " + ", ".join(f"{k} {v:.2f}" for k, v in phases.items())
          + f"; per spot page {m / n * 1000:.0f} ms")
    if not args.no_rss:
        listed = subprocess.run([args.landreg, "spots", "list", "--json", "--store", store], capture_output=True,
                                text=True, check=True).stdout
        codes = [s["code"] for s in json.loads(listed)]
        for k in (10, 200):
            dt, _, peak = timed([args.landreg, "dossier", "spots", *codes[:k], "-o", os.path.join(work, f"rss-{k}.pdf"),
                                 "--store", store])
            print(f"peak RSS, dossier of {k} spots: {peak:.0f} MiB ({dt:.2f} s)")
    print(f"\nPDFs in {work}")


if __name__ == "__main__":
    main()
