/* cmt-names.h: the service's names on the bus, next to data/io.github.cmatoken.xml, and the
 * defaults clients use only while the Manager's properties are not known */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* CMT_DAEMON_BUS_NAME comes from the build (meson), so that tests can run
 * their own service beside an installed one. */
#define CMT_OBJECT_MANAGER_PATH      "/io/github/cmatoken"
#define CMT_MANAGER_PATH             "/io/github/cmatoken/Manager"
#define CMT_CLOUD_ACCOUNTS_PATH      "/io/github/cmatoken/CloudAccounts"
#define CMT_SERVERS_PATH             "/io/github/cmatoken/Servers"
#define CMT_CONNECTIONS_PATH         "/io/github/cmatoken/Connections"

#define CMT_MANAGER_INTERFACE        "io.github.cmatoken.Manager1"
#define CMT_CLOUD_ACCOUNT_INTERFACE  "io.github.cmatoken.CloudAccount1"
#define CMT_SERVER_INTERFACE         "io.github.cmatoken.Server1"
#define CMT_CONNECTION_INTERFACE     "io.github.cmatoken.Connection1"

/* The service's defaults (its GSettings schema says the same); a client
 * uses them only when the Manager's property is missing or 0. */
#define CMT_DEFAULT_LIFETIME_DAYS           21
#define CMT_DEFAULT_WARN_DAYS               5
#define CMT_DEFAULT_CREDENTIAL_WARN_DAYS    14

G_END_DECLS
