/* cmtd-announce.h: every change to what the service stores is told to the desktop, with who made it */
#pragma once

#include <gio/gio.h>

#include "cmtd-history.h"
#include "cmtd-notifier.h"

G_BEGIN_DECLS

typedef enum {
  CMTD_CHANGE_ADDED,
  CMTD_CHANGE_REPLACED,   /* a credential was replaced */
  CMTD_CHANGE_REMOVED,
} CmtdChange;

/*
 * Looks up the process behind @invocation's sender, tells the desktop (a
 * notification through @notifier, which may be NULL, and the log) that it
 * made @change to the object at @object that @subject names (e.g.
 * "jira.example.com → acme.atlassian.net"; never a secret), records it in
 * @history (with @account, the email of the cloud account involved, or
 * NULL), then returns @reply to the caller.
 * The reply waits for the lookup: the caller is still connected, and its
 * process still exists, while it is named. Takes @invocation; @reply may be
 * floating, or NULL for an empty reply.
 */
void cmtd_announce_and_return (CmtdNotifier          *notifier,
                               CmtdHistory           *history,
                               GDBusMethodInvocation *invocation,
                               GVariant              *reply,
                               CmtdChange             change,
                               CmtdSubjectKind        kind,
                               const char            *object,
                               const char            *account,
                               const char            *subject);

/* The name of the process behind @invocation's sender (its "comm", made
 * valid UTF-8), or NULL; for the history of renewals. */
void  cmtd_caller_name_async  (GDBusMethodInvocation *invocation,
                               GAsyncReadyCallback    callback,
                               gpointer               user_data);
char *cmtd_caller_name_finish (GAsyncResult          *result);

G_END_DECLS
