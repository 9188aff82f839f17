// PROJ's C API for CRS transforms, and its geodesic routines (GeographicLib's C port, inside libproj).
#include <proj.h>
#include <geodesic.h>
