// libexif (Debian's libexif-dev): the EXIF block of a JPEG, for photo evidence (position, direction, time,
// camera). Only LandFormats imports it.
#include <libexif/exif-data.h>
#include <libexif/exif-utils.h>
#include <libexif/exif-tag.h>
#include <libexif/exif-format.h>
