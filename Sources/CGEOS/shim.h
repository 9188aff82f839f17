// Only GEOS's reentrant (_r) API: every call takes the caller's context handle.
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
