// GDAL's C API (GDAL 3.6 on Debian 12): vector drivers (OGR), spatial references, the error handler and the
// virtual file system. Only LandFormats imports it.
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
