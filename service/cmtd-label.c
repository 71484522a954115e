/* cmtd-label.c: the name people give an object, for servers, cloud accounts and connections alike */
#include <glib/gi18n.h>

#include "cmt-error.h"
#include "cmtd-label.h"

char *
cmtd_label_normalize (const char  *label,
                      GError     **error)
{
  g_autofree char *copy = NULL;

  if (label == NULL || !g_utf8_validate (label, -1, NULL))
    goto invalid;
  copy = g_strstrip (g_strdup (label));
  for (const char *p = copy; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* No control characters, no line or paragraph separators: a label is one line. */
      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        goto invalid;
    }
  if (g_utf8_strlen (copy, -1) > CMTD_LABEL_MAX_CHARS)
    goto invalid;
  return g_steal_pointer (&copy);

invalid:
  g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
               g_dngettext (GETTEXT_PACKAGE,
                            "The label is not valid: it must be one line of at most %d character, without control characters.",
                            "The label is not valid: it must be one line of at most %d characters, without control characters.",
                            CMTD_LABEL_MAX_CHARS),
               CMTD_LABEL_MAX_CHARS);
  return NULL;
}

void
cmtd_label_save (GKeyFile   *kf,
                 const char *group,
                 const char *label)
{
  if (label != NULL && *label != '\0')
    g_key_file_set_string (kf, group, "label", label);
}

char *
cmtd_label_load (GKeyFile   *kf,
                 const char *group)
{
  g_autofree char *label = g_key_file_get_string (kf, group, "label", NULL);
  char *checked;

  if (label == NULL)
    return g_strdup ("");
  checked = cmtd_label_normalize (label, NULL);
  if (checked == NULL)
    {
      g_warning ("%s: ignoring an invalid label in the state file", group);
      return g_strdup ("");
    }
  return checked;
}

typedef struct {
  CmtdDaemon             *daemon;
  GDBusInterfaceSkeleton *iface;
  GDBusMethodInvocation  *invocation;
  char                   *old_label;
  CmtdLabelSaveFunc       save;
  GObject                *object;
} SetLabel;

static void
set_label_free (SetLabel *op)
{
  cmtd_daemon_release (op->daemon);
  g_clear_object (&op->invocation);
  g_object_unref (op->iface);
  g_object_unref (op->object);
  g_object_unref (op->daemon);
  g_free (op->old_label);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SetLabel, set_label_free)

static void
label_saved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SetLabel) op = user_data;
  g_autoptr(GError) error = NULL;

  if (!cmtd_daemon_save_finish (op->daemon, result, &error))
    {
      g_object_set (op->iface, "label", op->old_label, NULL);
      op->save (op->object);
      g_dbus_interface_skeleton_flush (op->iface);
      g_dbus_method_invocation_return_gerror (g_steal_pointer (&op->invocation), error);
      return;
    }
  g_dbus_interface_skeleton_flush (op->iface);
  g_dbus_method_invocation_return_value (g_steal_pointer (&op->invocation), NULL);
}

void
cmtd_label_handle_set (CmtdDaemon             *daemon,
                       GDBusInterfaceSkeleton *iface,
                       GDBusMethodInvocation  *invocation,
                       const char             *label,
                       CmtdLabelSaveFunc       save,
                       gpointer                object)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = cmtd_label_normalize (label, &error);
  SetLabel *op;

  if (normalized == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }

  op = g_new0 (SetLabel, 1);
  op->daemon = g_object_ref (daemon);
  op->iface = g_object_ref (iface);
  op->invocation = invocation;
  op->save = save;
  op->object = g_object_ref (object);
  g_object_get (iface, "label", &op->old_label, NULL);
  cmtd_daemon_hold (daemon);

  g_object_set (iface, "label", normalized, NULL);
  save (object);
  cmtd_daemon_save_async (daemon, label_saved, op);
}
