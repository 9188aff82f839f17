#ifndef LANDREG_CGDALLAZY_H
#define LANDREG_CGDALLAZY_H

/// Loads libgdal if it is not loaded yet (thread-safe, once). Returns NULL when GDAL is usable, otherwise why not
/// (the library or one of its functions missing), in words for the user. Calling a GDAL function loads it too;
/// this is for callers that want to report the failure themselves instead of landreg's exit.
const char *landreg_gdal_load(void);

/// 1 when libgdal has been loaded in this process (for the start-up test: a look-up must not load it).
int landreg_gdal_is_loaded(void);

#endif
