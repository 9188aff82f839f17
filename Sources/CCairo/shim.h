// cairo (PNG, SVG and PDF surfaces), pango's cairo text layout (fontconfig finds Noto CJK for Chinese), and zlib's
// CRC-32 for the PNG density chunk (see PNGDensity.swift). Only LandMaps imports it.
//
// The pango functions landreg calls are declared here rather than through <pango/pangocairo.h>: that header needs
// pango's pkg-config flags, which carry -pthread, and SwiftPM drops the flag with a warning on every build. The
// declarations are checked against pango's own header by Tests/EndToEndTests/MapTests.swift (a C compile of both together
// fails on any mismatch; pango 1.50, Debian 12). The types are pango's: opaque objects, int enums.
#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <zlib.h>

#ifndef __PANGO_H__   // pango's own header, when included first (the check), defines these
typedef struct _PangoLayout PangoLayout;
typedef struct _PangoFontDescription PangoFontDescription;
typedef enum { PANGO_WEIGHT_NORMAL = 400, PANGO_WEIGHT_BOLD = 700 } PangoWeight;
typedef enum { PANGO_WRAP_WORD, PANGO_WRAP_CHAR, PANGO_WRAP_WORD_CHAR } PangoWrapMode;
#define PANGO_SCALE 1024
#endif

PangoLayout *pango_cairo_create_layout(cairo_t *cr);
void pango_cairo_show_layout(cairo_t *cr, PangoLayout *layout);
void pango_cairo_layout_path(cairo_t *cr, PangoLayout *layout);
void pango_layout_set_text(PangoLayout *layout, const char *text, int length);
void pango_layout_set_font_description(PangoLayout *layout, const PangoFontDescription *desc);
void pango_layout_set_width(PangoLayout *layout, int width);
void pango_layout_set_wrap(PangoLayout *layout, PangoWrapMode wrap);
int pango_layout_get_unknown_glyphs_count(PangoLayout *layout);
void pango_layout_get_size(PangoLayout *layout, int *width, int *height);
PangoFontDescription *pango_font_description_new(void);
void pango_font_description_free(PangoFontDescription *desc);
void pango_font_description_set_family(PangoFontDescription *desc, const char *family);
void pango_font_description_set_weight(PangoFontDescription *desc, PangoWeight weight);
void pango_font_description_set_absolute_size(PangoFontDescription *desc, double size);
void g_object_unref(void *object);
