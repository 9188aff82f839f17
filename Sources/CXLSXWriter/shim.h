// libxlsxwriter (Debian's libxlsxwriter-dev): formatted xlsx workbooks for office tables.
#include <xlsxwriter.h>
