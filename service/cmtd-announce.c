/* cmtd-announce.c: every change to what the service stores is told to the desktop, with who made it
 *
 * Any process of the user's can call the service. A process that adds a
 * server at its own address and connects it to the admin's cloud account
 * would be sent migration tokens for the admin's site; the admin must see
 * that happen. So every addition, credential replacement and removal is
 * announced with the name of the process that asked for it.
 */

#include <glib/gi18n.h>

#include "cmtd-announce.h"

typedef struct
{
  CmtdNotifier          *notifier;
  CmtdHistory           *history;
  GDBusMethodInvocation *invocation;
  GVariant              *reply;
  CmtdChange             change;
  CmtdSubjectKind        kind;
  char                  *object;
  char                  *account;
  char                  *subject;
} Announcement;

static void
announcement_free (Announcement *a)
{
  g_clear_object (&a->notifier);
  g_clear_object (&a->history);
  g_clear_object (&a->invocation);
  g_clear_pointer (&a->reply, g_variant_unref);
  g_free (a->object);
  g_free (a->account);
  g_free (a->subject);
  g_free (a);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Announcement, announcement_free)

/* The process's name as the kernel keeps it (at most 15 bytes, maybe not
 * UTF-8), made safe to show. */
static char *
process_name (guint32 pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%u/comm", pid);
  g_autofree char *contents = NULL;

  if (pid == 0 || !g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  g_strchomp (contents);
  if (*contents == '\0')
    return NULL;
  return g_utf8_make_valid (contents, -1);
}

/* GetConnectionUnixProcessID of @invocation's sender (the caller is still
 * connected: it waits for its answer). */
static void
ask_pid (GDBusMethodInvocation *invocation,
         GAsyncReadyCallback    callback,
         gpointer               user_data)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);

  g_dbus_connection_call (g_dbus_method_invocation_get_connection (invocation),
                          "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "GetConnectionUnixProcessID",
                          g_variant_new ("(s)", sender != NULL ? sender : ""),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, callback, user_data);
}

static const char *
summary_text (CmtdChange      change,
              CmtdSubjectKind kind)
{
  switch (change)
    {
    case CMTD_CHANGE_ADDED:
      return kind == CMTD_SUBJECT_CONNECTION ? _("New Connection Added")
           : kind == CMTD_SUBJECT_CLOUD_ACCOUNT ? _("New Cloud Account Added")
           : _("New Server Added");
    case CMTD_CHANGE_REPLACED:
      return kind == CMTD_SUBJECT_CLOUD_ACCOUNT ? _("API Token Replaced")
           : _("Server Credential Replaced");
    case CMTD_CHANGE_REMOVED:
    default:
      return kind == CMTD_SUBJECT_CONNECTION ? _("Connection Removed")
           : kind == CMTD_SUBJECT_CLOUD_ACCOUNT ? _("Cloud Account Removed")
           : _("Server Removed");
    }
}

static char *
body_text (CmtdChange  change,
           const char *subject,
           const char *who)
{
  switch (change)
    {
    case CMTD_CHANGE_ADDED:
      /* Translators: %1$s is "jira.example.com → acme.atlassian.net" (or a
       * server or cloud account), %2$s the program, e.g. "cmatokenctl (process 4242)". */
      return g_strdup_printf (_("%1$s was added by %2$s. If you did not do this, remove it in Cloud Migration Tokens."),
                              subject, who);
    case CMTD_CHANGE_REPLACED:
      /* Translators: %1$s is a server or a cloud account, %2$s the program. */
      return g_strdup_printf (_("The credential of %1$s was replaced by %2$s. If you did not do this, replace it again in Cloud Migration Tokens."),
                              subject, who);
    case CMTD_CHANGE_REMOVED:
    default:
      /* Translators: %1$s is a connection, a server or a cloud account, %2$s the program. */
      return g_strdup_printf (_("%1$s was removed by %2$s."), subject, who);
    }
}

static void
on_pid (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(Announcement) a = user_data;
  g_autoptr(GVariant) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *who = NULL;
  g_autofree char *body = NULL;
  guint32 pid = 0;

  answer = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (answer != NULL)
    g_variant_get (answer, "(u)", &pid);
  else
    g_debug ("The caller's process is not known: %s", error->message);

  name = process_name (pid);
  if (name != NULL)
    /* Translators: who made a change: "cmatokenctl (process 4242)". */
    who = g_strdup_printf (_("%1$s (process %2$u)"), name, pid);
  else if (pid != 0)
    who = g_strdup_printf (_("process %u"), pid);
  else
    who = g_strdup (_("an unknown program"));

  body = body_text (a->change, a->subject, who);
  g_message ("%s: %s", summary_text (a->change, a->kind), body);
  if (a->notifier != NULL)
    cmtd_notifier_announce (a->notifier, summary_text (a->change, a->kind), body);
  if (a->history != NULL)
    {
      static const char *const kinds[] = {
        [CMTD_CHANGE_ADDED] = "add", [CMTD_CHANGE_REPLACED] = "replace", [CMTD_CHANGE_REMOVED] = "remove",
      };
      g_autofree char *caller = name != NULL ? g_strdup (name)
                                : pid != 0 ? g_strdup_printf ("process %u", pid) : g_strdup ("");

      cmtd_history_record (a->history, a->object, kinds[a->change], "ok", NULL, caller,
                           a->account, a->subject);
    }

  /* Not floating (sunk when kept): the invocation takes its own reference. */
  g_dbus_method_invocation_return_value (g_steal_pointer (&a->invocation), a->reply);
}

void
cmtd_announce_and_return (CmtdNotifier          *notifier,
                          CmtdHistory           *history,
                          GDBusMethodInvocation *invocation,
                          GVariant              *reply,
                          CmtdChange             change,
                          CmtdSubjectKind        kind,
                          const char            *object,
                          const char            *account,
                          const char            *subject)
{
  Announcement *a = g_new0 (Announcement, 1);

  a->notifier = notifier != NULL ? g_object_ref (notifier) : NULL;
  a->history = history != NULL ? g_object_ref (history) : NULL;
  a->object = g_strdup (object);
  a->account = g_strdup (account);
  a->invocation = invocation;
  a->reply = reply != NULL ? g_variant_ref_sink (reply) : NULL;
  a->change = change;
  a->kind = kind;
  a->subject = g_strdup (subject);

  /* Not cancellable: the caller gets its answer whatever happens. */
  ask_pid (invocation, on_pid, a);
}

/* ---- the caller's name alone ---- */

static void
on_caller_pid (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) answer = NULL;
  guint32 pid = 0;

  answer = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, NULL);
  if (answer != NULL)
    g_variant_get (answer, "(u)", &pid);
  g_task_return_pointer (task, process_name (pid), g_free);
}

void
cmtd_caller_name_async (GDBusMethodInvocation *invocation,
                        GAsyncReadyCallback    callback,
                        gpointer               user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_source_tag (task, cmtd_caller_name_async);
  ask_pid (invocation, on_caller_pid, task);
}

char *
cmtd_caller_name_finish (GAsyncResult *result)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), NULL);
}
