// PostgreSQL's client library (libpq-dev): the connection, query, COPY and notice API the PostGIS store uses.
#include <libpq-fe.h>
