"""Opens every layer of a landreg store with QGIS (headless) and reports, as one JSON document on stdout, what
QGIS made of the layer's default style and what rendering it draws.

usage: /usr/bin/python3 check_styles.py STORE.gpkg OUT_DIR LAYER...
       /usr/bin/python3 check_styles.py "pg:dbname=D host=DIR user=U" OUT_DIR LAYER...   (a PostGIS store's
       tables landreg.LAYER, through QGIS's postgres provider: their style from public.layer_styles)

For each layer: the renderer type, its category values or rule filters and labels, whether labels are on and
which field they show, the number of distinct colours in a rendering of the layer alone (written to
OUT_DIR/LAYER.png), and for parcels the colour drawn inside one parcel of each land-use code ("system:code").
Exits 2 with a message naming the package to install when QGIS's Python bindings are missing.
"""
import json
import os
import sys

os.environ["QT_QPA_PLATFORM"] = "offscreen"
try:
    from qgis.core import (QgsApplication, QgsVectorLayer, QgsMapSettings, QgsMapRendererParallelJob,
                           QgsPointXY, QgsExpression, QgsDataSourceUri)
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor
except ImportError as e:
    sys.stderr.write("QGIS's Python bindings are missing (%s): run tools/install-deps.sh "
                     "(it installs python3-qgis and qgis-providers)\n" % e)
    sys.exit(2)

store, out_dir, layers = sys.argv[1], sys.argv[2], sys.argv[3:]
app = QgsApplication([], False)
app.initQgis()


def render(layer, path):
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setOutputSize(QSize(600, 600))
    settings.setExtent(layer.extent())
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(path, "PNG")
    return settings, image


def distinct_colours(image, step=3):
    seen = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            seen.add(image.pixel(x, y) & 0xFFFFFF)
    return len(seen)


def pixel_at(settings, image, point):
    p = settings.mapToPixel().transform(QgsPointXY(point))
    c = QColor(image.pixel(int(round(p.x())), int(round(p.y()))))
    return [c.red(), c.green(), c.blue()]


report = {}
for name in layers:
    if store.startswith("pg:"):
        uri = QgsDataSourceUri(store[3:])
        uri.setDataSource("landreg", name, "geom")
        layer = QgsVectorLayer(uri.uri(False), name, "postgres")
    else:
        layer = QgsVectorLayer(store + "|layername=" + name, name, "ogr")
    entry = {"valid": layer.isValid(), "features": layer.featureCount()}
    if not layer.isValid():
        report[name] = entry
        continue
    renderer = layer.renderer()
    entry["renderer"] = renderer.type()
    if renderer.type() == "categorizedSymbol":
        entry["attribute"] = renderer.classAttribute()
        entry["categories"] = [str(c.value()) for c in renderer.categories()]
        entry["labels"] = [c.label() for c in renderer.categories()]
    elif renderer.type() == "RuleRenderer":
        rules = renderer.rootRule().children()
        entry["rules"] = [r.filterExpression() for r in rules]
        entry["labels"] = [r.label() for r in rules]
        # The codes of the features each rule selects, as QGIS evaluates the filters today.
        context = layer.createExpressionContext()
        matched = {}
        for f in layer.getFeatures():
            context.setFeature(f)
            for r in rules:
                if QgsExpression(r.filterExpression()).evaluate(context):
                    matched.setdefault(r.label(), []).append(f["code"])
        entry["matched"] = matched
    entry["labelsEnabled"] = layer.labelsEnabled()
    if layer.labelsEnabled() and layer.labeling() is not None:
        entry["labelField"] = layer.labeling().settings().fieldName
    settings, image = render(layer, os.path.join(out_dir, name + ".png"))
    entry["distinctColours"] = distinct_colours(image)
    if name == "parcels":
        # One sample per land-use code: the pixel at the pole of inaccessibility of the largest parcel with it.
        largest = {}
        for f in layer.getFeatures():
            key = "%s:%s" % (f["land_use_system"], f["land_use"])
            if key not in largest or f.geometry().area() > largest[key].geometry().area():
                largest[key] = f
        entry["landUsePixels"] = {
            key: pixel_at(settings, image, f.geometry().poleOfInaccessibility(0.5)[0].asPoint())
            for key, f in largest.items()}
    report[name] = entry

print(json.dumps(report, ensure_ascii=False))
sys.stdout.flush()
# QGIS 3.22's exitQgis() crashes (SIGSEGV) while Python still holds layers and renderers; the report is complete,
# so leave without tearing QGIS down.
os._exit(0)
