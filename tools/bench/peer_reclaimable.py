#!/usr/bin/env python3
"""Peer of `landreg report reclaimable` when every spot of a batch is illegal with a restoring measure:
union_all of (spot ∩ farmland parcels) with shapely 2. Usage: peer_reclaimable.py STORE.gpkg SPOTS.geojson;
prints the potential in m²."""
import sys

import shapely

from peer_common import farmland_parcels, geojson_polygons

parcels = farmland_parcels(sys.argv[1])
spots = geojson_polygons(sys.argv[2])
tree = shapely.STRtree(parcels)
spot_index, parcel_index = tree.query(spots, predicate="intersects")
pieces = shapely.intersection(spots[spot_index], parcels[parcel_index])
print(f"potential {shapely.area(shapely.union_all(pieces)):.3f} m²")
