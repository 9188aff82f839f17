// GDAL, loaded on first use.
//
// Why: libgdal brings ~110 shared libraries (poppler, HDF5, netCDF, Xerces, curl, …) whose loading and
// relocation cost every landreg process 20–40 ms at start, more than a parcel look-up itself takes, while only
// imports of non-GeoJSON files, format exports and xlsx use GDAL (tools/bench's look-up rows measure it against
// ogrinfo). So landreg does not link libgdal: this file defines each GDAL C function landreg calls, with the
// prototype of GDAL's own header (the compiler checks that they agree), as a wrapper that calls the real
// function, resolved with dlsym from libgdal dlopen'ed on the first call. The list is generated from the Swift
// sources and GDAL's headers by tools/gdal-lazy/generate.py into GDALFunctions.inc; a GDAL function used
// without regenerating fails the link ("undefined reference"), never at run time.

// GDAL's headers mark every function CPL_DLL. Hidden here, so that the wrappers are not exported from landreg's
// executable or test bundles: libgdal calls its own API through its PLT, and exported wrappers would interpose
// on those calls (harmless once loaded, but libgdal's initialisers could reach a wrapper while dlopen runs).
#define CPL_DLL __attribute__((visibility("hidden")))
#include <gdal/gdal.h>
#include <gdal/gdal_version.h>
#include <gdal/ogr_api.h>
#include <gdal/ogr_srs_api.h>
#include <gdal/cpl_conv.h>
#include <gdal/cpl_error.h>
#include <gdal/cpl_string.h>
#include <gdal/cpl_vsi.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "CGDALLazy.h"

enum {
#define LANDREG_GDAL_FUNCTION(result, name, params, args) slot_##name,
#define LANDREG_GDAL_PROCEDURE(name, params, args) slot_##name,
#include "GDALFunctions.inc"
#undef LANDREG_GDAL_FUNCTION
#undef LANDREG_GDAL_PROCEDURE
    slot_count
};

static const char *const slot_names[slot_count] = {
#define LANDREG_GDAL_FUNCTION(result, name, params, args) #name,
#define LANDREG_GDAL_PROCEDURE(name, params, args) #name,
#include "GDALFunctions.inc"
#undef LANDREG_GDAL_FUNCTION
#undef LANDREG_GDAL_PROCEDURE
};

static void *slots[slot_count];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_failure[512];
static int loaded;

// The soname of the GDAL these headers belong to: GDAL 3.x is libgdal.so.(26 + minor) (3.6, Debian 12: .32).
// "libgdal.so" (libgdal-dev's link) is the fallback for a build whose headers and library disagree.
static void load(void) {
    char soname[32];
    snprintf(soname, sizeof soname, "libgdal.so.%d", 26 + GDAL_VERSION_MINOR);
    void *handle = GDAL_VERSION_MAJOR == 3 ? dlopen(soname, RTLD_NOW | RTLD_LOCAL) : NULL;
    if (handle == NULL) handle = dlopen("libgdal.so", RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *why = dlerror();
        snprintf(load_failure, sizeof load_failure,
                 "GDAL could not be loaded (%s): install GDAL %d.%d (Debian: libgdal%d), or run tools/install-deps.sh",
                 why ? why : soname, GDAL_VERSION_MAJOR, GDAL_VERSION_MINOR, 26 + GDAL_VERSION_MINOR);
        return;
    }
    for (int i = 0; i < slot_count; i++) {
        void *address = dlsym(handle, slot_names[i]);
        if (address == NULL) {
            snprintf(load_failure, sizeof load_failure, "the GDAL library found lacks %s (GDAL %s expected)",
                     slot_names[i], GDAL_RELEASE_NAME);
            return;
        }
        __atomic_store_n(&slots[i], address, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
}

const char *landreg_gdal_load(void) {
    pthread_once(&load_once, load);
    return load_failure[0] ? load_failure : NULL;
}

int landreg_gdal_is_loaded(void) { return __atomic_load_n(&loaded, __ATOMIC_ACQUIRE); }

// The address of a GDAL function; loads GDAL on the first call. A GDAL that cannot be loaded ends landreg with
// the reason (exit 1, as every other landreg error): a command that needs GDAL cannot go on without it.
static void *gdal_function(int slot) {
    void *address = __atomic_load_n(&slots[slot], __ATOMIC_ACQUIRE);
    if (address != NULL) return address;
    const char *failure = landreg_gdal_load();
    if (failure != NULL) {
        fprintf(stderr, "landreg: %s\n", failure);
        exit(1);
    }
    return slots[slot];
}

#define LANDREG_GDAL_FUNCTION(result, name, params, args)                                       \
    result name params { return ((result(*) params)gdal_function(slot_##name)) args; }
#define LANDREG_GDAL_PROCEDURE(name, params, args)                                              \
    void name params { ((void(*) params)gdal_function(slot_##name)) args; }
#include "GDALFunctions.inc"
