/* cmtctl-client.h: cmatokenctl's view of the service: its objects, and finding one by name */
#pragma once

#include <gio/gio.h>

#include "cmt-dbus.h"

G_BEGIN_DECLS

/* Which kinds of object a name may stand for. */
typedef enum {
  CMTCTL_KIND_ACCOUNT    = 1 << 0,
  CMTCTL_KIND_SERVER     = 1 << 1,
  CMTCTL_KIND_CONNECTION = 1 << 2,
} CmtctlKind;

#define CMTCTL_KIND_ANY (CMTCTL_KIND_ACCOUNT | CMTCTL_KIND_SERVER | CMTCTL_KIND_CONNECTION)

/* How long an ordinary call may take: Add* and Check talk to Atlassian first. */
#define CMTCTL_CALL_TIMEOUT_MS   (60 * 1000)
/* Renew makes two HTTP requests, each with its own timeout in the service. */
#define CMTCTL_RENEW_TIMEOUT_MS  (120 * 1000)

#define CMTCTL_TYPE_CLIENT (cmtctl_client_get_type ())
G_DECLARE_FINAL_TYPE (CmtctlClient, cmtctl_client, CMTCTL, CLIENT, GObject)

/* Connects to the session bus and the service, starting it if it is not running. */
CmtctlClient     *cmtctl_client_new            (GError       **error);

GDBusConnection  *cmtctl_client_get_bus        (CmtctlClient  *self);
CmtManager       *cmtctl_client_get_manager    (CmtctlClient  *self);

/* Reads @proxy's properties again from the service: a skeleton may send
 * PropertiesChanged only after its reply to the call that changed them. */
void              cmtctl_client_refresh        (CmtctlClient  *self,
                                                gpointer       proxy);

/* Every object of @kinds, sorted by object path. */
GList            *cmtctl_client_list           (CmtctlClient  *self,
                                                CmtctlKind     kinds);

/* The object at @object_path, or NULL. */
CmtObject        *cmtctl_client_get_object     (CmtctlClient  *self,
                                                const char    *object_path);

/*
 * Finds the one object of @kinds that @name stands for: an id, an object
 * path, a server URL (the server; for a connection, the server's connection),
 * or an account email ("email@site-url" when one email has several sites).
 * @site_hint, if not NULL, is a cloud site URL that narrows accounts and
 * connections. Fails with CMT_ERROR_NOT_FOUND or, listing the candidates,
 * CMT_ERROR_INVALID_ARGUMENT.
 */
CmtObject        *cmtctl_client_lookup         (CmtctlClient  *self,
                                                const char    *name,
                                                CmtctlKind     kinds,
                                                const char    *site_hint,
                                                GError       **error);

/* One line naming @object for people: "JCMA connection jira.example.com → acme.atlassian.net". */
char             *cmtctl_client_describe       (CmtctlClient  *self,
                                                CmtObject     *object);

/* "jira.example.com": the display form of a connection's server. */
char             *cmtctl_client_connection_host (CmtctlClient  *self,
                                                 CmtConnection *connection);

G_END_DECLS
