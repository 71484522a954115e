/* flows-fixture.h: a service's objects without a service, for the flows' widget tests and previews */
#pragma once

#include <gio/gio.h>

#include "cmt-dbus.h"

G_BEGIN_DECLS

#define FIXTURE_CONNECTION_PATH "/io/github/cmatoken/Connections/c1"
#define FIXTURE_SERVER_PATH     "/io/github/cmatoken/Servers/s1"
#define FIXTURE_ACCOUNT_PATH    "/io/github/cmatoken/CloudAccounts/a1"
#define FIXTURE_ACCOUNT2_PATH   "/io/github/cmatoken/CloudAccounts/a2"
#define FIXTURE_OTHER_SITE_ACCOUNT_PATH "/io/github/cmatoken/CloudAccounts/a3"

/*
 * An object manager holding skeletons like the ones cmatokend exports: the
 * Manager, one @product ("jira" or "confluence") server, two cloud accounts
 * of https://acme.atlassian.net and one of another site, and a connection
 * between them that expires in 3 days. Not on any bus: the dialogs read it
 * through the GDBusObjectManager interface, as they read the real client.
 */
GDBusObjectManagerServer *flows_fixture_new                (const char               *product);
CmtConnection            *flows_fixture_get_connection     (GDBusObjectManagerServer *manager);
/* Adds a cloud account of the connection's site at @path. */
void                      flows_fixture_add_account        (GDBusObjectManagerServer *manager,
                                                            const char               *path,
                                                            const char               *email,
                                                            const char               *display_name);

G_END_DECLS
