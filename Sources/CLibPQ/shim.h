// The system's PostgreSQL client library, libpq (Debian: libpq-dev), which StorePostgres speaks through;
// no package, no wire protocol written by hand.
#include <libpq-fe.h>
