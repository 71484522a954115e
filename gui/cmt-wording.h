/* cmt-wording.h: how the app names products, states and objects, in one place */
#pragma once

#include <gio/gio.h>

#include "cmt-dbus.h"
#include "cmt-expiry.h"

G_BEGIN_DECLS


/* The libadwaita style class for a status: "success", "warning", "error" or "dim-label". */
const char *cmt_wording_status_css_class (CmtStatus status);

/* Attention order: expired first, then expiring, unknown (never renewed), valid. */
int         cmt_wording_status_rank      (CmtStatus status);

/* The id of a D-Bus object: the last element of its path. */
const char *cmt_wording_object_id        (const char *object_path);

/* What to show for a server: "jira.example.com", or its path when unknown. */
char       *cmt_wording_server_display   (GDBusObjectManager *manager,
                                          const char         *server_path);

/* A connection's title, "jira.example.com → acme.atlassian.net". */
char       *cmt_wording_connection_title (GDBusObjectManager *manager,
                                          CmtConnection      *connection);

/* The email of the cloud account @connection renews with, or NULL. */
char       *cmt_wording_account_email    (GDBusObjectManager *manager,
                                          CmtConnection      *connection);

/* The label people gave a connection, else its server's; NULL without one. */
char       *cmt_wording_connection_label (GDBusObjectManager *manager,
                                          CmtConnection      *connection);

/*
 * A connection's state in words: "Renewing…" (with its step) while renewing,
 * else "Valid until 12 December", "Expires in 3 days", "Never renewed here"...
 */
char       *cmt_wording_connection_state (CmtConnection      *connection,
                                          const char         *server_display,
                                          gint64              warn_before,
                                          gint64              now);

/* A credential's state in words; "invalid" says who rejected it. */
char       *cmt_wording_credential_state (CmtStatus           status,
                                          gboolean            is_cloud_account,
                                          gint64              expires_at,
                                          gint64              warn_before,
                                          gint64              now);

/*
 * What stands in the way of renewing @connection as things stand: its cloud
 * account's API token or its server's credential rejected, expired or
 * expiring, in a sentence that names the fix; NULL when both are fine.
 */
char       *cmt_wording_connection_blocker (GDBusObjectManager *manager,
                                            CmtConnection      *connection);

/* Every connection of @connections (a list of GDBusObject) at a glance:
 * "2 expired · 1 cannot renew (API token rejected) · 1 expires this week · 96 valid";
 * "" without connections. @needs_attention, if not NULL, tells whether any
 * part of it needs the admin now or this week. */
char       *cmt_wording_summary            (GDBusObjectManager *manager,
                                            GListModel         *connections,
                                            gint64              now,
                                            gboolean           *needs_attention);

/* The part of the summary @connection counts in (cmt_summary_category()). */
int         cmt_wording_connection_category (GDBusObjectManager *manager,
                                             CmtConnection      *connection,
                                             gint64              now);

/* Seconds since the epoch, plus $CMATOKEN_NOW_OFFSET like the service, so
 * that demos and tests that shift the service's clock read the same here. */
gint64      cmt_wording_now              (void);

/* The Manager proxy (or skeleton) of @manager, or NULL. Owned by the manager. */
CmtManager *cmt_wording_peek_manager     (GDBusObjectManager *manager);

G_END_DECLS
