/* cmt-forget-all.h: removes every object of the service, and with them their credentials */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How many connections, servers and cloud accounts @manager lists. */
void      cmt_forget_all_count  (GDBusObjectManager  *manager,
                                 guint               *n_connections,
                                 guint               *n_servers,
                                 guint               *n_accounts);

/*
 * Removes every connection, then every server, then every cloud account
 * (so that nothing is removed while something refers to it); the service
 * deletes their keyring items. Stops at the first refusal, whose message
 * names the object; what was removed before stays removed.
 */
void      cmt_forget_all_async  (GDBusObjectManager  *manager,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
gboolean  cmt_forget_all_finish (GDBusObjectManager  *manager,
                                 GAsyncResult        *result,
                                 GError             **error);

G_END_DECLS
