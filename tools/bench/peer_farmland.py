#!/usr/bin/env python3
"""Peer of `landreg import spots`: the farmland area of every spot, with shapely 2 (STRtree query +
intersection areas). Usage: peer_farmland.py STORE.gpkg SPOTS.geojson; prints the total in m²."""
import sys

import shapely

from peer_common import farmland_parcels, geojson_polygons

parcels = farmland_parcels(sys.argv[1])
spots = geojson_polygons(sys.argv[2])
tree = shapely.STRtree(parcels)
spot_index, parcel_index = tree.query(spots, predicate="intersects")
areas = shapely.area(shapely.intersection(spots[spot_index], parcels[parcel_index]))
print(f"{len(spots)} spots, {len(parcels)} farmland parcels, farmland area {areas.sum():.3f} m²")
