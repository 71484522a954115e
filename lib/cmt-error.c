/* cmt-error.c: the cmatoken error domain and its D-Bus error names */
#include "cmt-error.h"

#include <string.h>

#define CMT_ERROR_PREFIX "io.github.cmatoken.Error."

static const GDBusErrorEntry cmt_error_entries[] = {
  { CMT_ERROR_FAILED,              CMT_ERROR_PREFIX "Failed" },
  { CMT_ERROR_INVALID_ARGUMENT,    CMT_ERROR_PREFIX "InvalidArgument" },
  { CMT_ERROR_NOT_FOUND,           CMT_ERROR_PREFIX "NotFound" },
  { CMT_ERROR_EXISTS,              CMT_ERROR_PREFIX "Exists" },
  { CMT_ERROR_IN_USE,              CMT_ERROR_PREFIX "InUse" },
  { CMT_ERROR_CONSENT_REQUIRED,    CMT_ERROR_PREFIX "ConsentRequired" },
  { CMT_ERROR_CLOUD_AUTH_FAILED,   CMT_ERROR_PREFIX "CloudAuthFailed" },
  { CMT_ERROR_SERVER_AUTH_FAILED,  CMT_ERROR_PREFIX "ServerAuthFailed" },
  { CMT_ERROR_TOKEN_REJECTED,      CMT_ERROR_PREFIX "TokenRejected" },
  { CMT_ERROR_NOT_SUPPORTED,       CMT_ERROR_PREFIX "NotSupported" },
  { CMT_ERROR_NETWORK,             CMT_ERROR_PREFIX "Network" },
  { CMT_ERROR_KEYRING_LOCKED,      CMT_ERROR_PREFIX "KeyringLocked" },
  { CMT_ERROR_KEYRING_UNAVAILABLE, CMT_ERROR_PREFIX "KeyringUnavailable" },
  { CMT_ERROR_CANCELLED,           CMT_ERROR_PREFIX "Cancelled" },
  { CMT_ERROR_BUSY,                CMT_ERROR_PREFIX "Busy" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (cmt_error_entries) == CMT_ERROR_N_CODES);

GQuark
cmt_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("cmt-error-quark", &quark,
                                      cmt_error_entries,
                                      G_N_ELEMENTS (cmt_error_entries));
  return (GQuark) quark;
}

const char *
cmt_error_code_to_name (CmtError code)
{
  if ((int) code < 0 || code >= CMT_ERROR_N_CODES)
    return NULL;
  return cmt_error_entries[code].dbus_error_name + strlen (CMT_ERROR_PREFIX);
}

const char *
cmt_error_code_to_dbus_name (CmtError code)
{
  if ((int) code < 0 || code >= CMT_ERROR_N_CODES)
    return NULL;
  return cmt_error_entries[code].dbus_error_name;
}

int
cmt_error_code_from_name (const char *name)
{
  if (name == NULL)
    return -1;
  if (g_str_has_prefix (name, CMT_ERROR_PREFIX))
    name += strlen (CMT_ERROR_PREFIX);
  for (guint i = 0; i < G_N_ELEMENTS (cmt_error_entries); i++)
    if (g_str_equal (name, cmt_error_entries[i].dbus_error_name + strlen (CMT_ERROR_PREFIX)))
      return cmt_error_entries[i].error_code;
  return -1;
}

void
cmt_error_from_dbus (GError **error)
{
  g_autofree char *remote_name = NULL;
  int code;

  /* Registering the domain makes GDBus map our names to CMT_ERROR; an
   * error made before that still carries the remote name. */
  (void) cmt_error_quark ();
  if (error == NULL || *error == NULL || !g_dbus_error_is_remote_error (*error))
    return;

  remote_name = g_dbus_error_get_remote_error (*error);
  g_dbus_error_strip_remote_error (*error);
  code = cmt_error_code_from_name (remote_name);
  if (code >= 0 && (*error)->domain != CMT_ERROR)
    {
      GError *mapped = g_error_new_literal (CMT_ERROR, code, (*error)->message);
      g_error_free (*error);
      *error = mapped;
    }
}
