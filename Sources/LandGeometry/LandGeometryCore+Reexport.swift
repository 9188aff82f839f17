// LandGeometry's operations (GEOS, PROJ, WKB, GeoPackage blobs) take and return the values of LandGeometryCore
// (XY, Polygon, Geometry, Envelope): a module that imports LandGeometry gets them with it, as before the values
// moved out so that LandGeoJSON could be built without GEOS and PROJ.
@_exported import LandGeometryCore
