// GDAL's C API (GDAL 3.6 on Debian 12): vector drivers (OGR), spatial references, the error handler and the
// virtual file system. Only LandFormats imports it. Declarations only: landreg does not link libgdal, the
// CGDALLazy target defines these functions and loads GDAL on first use (see Sources/CGDALLazy/GDALLazy.c).
// The headers are GDAL's in /usr/include/gdal (Debian's libgdal-dev); theirs include one another with quotes.
#include <gdal/gdal.h>
#include <gdal/ogr_api.h>
#include <gdal/ogr_srs_api.h>
#include <gdal/cpl_conv.h>
#include <gdal/cpl_error.h>
#include <gdal/cpl_string.h>
#include <gdal/cpl_vsi.h>
