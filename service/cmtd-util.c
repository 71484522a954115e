/* cmtd-util.c: the small rules cmatokend's objects share: input validation, ids, credential status */
#include <glib/gi18n.h>
#include <string.h>

#include "cmt-error.h"
#include "cmt-url.h"
#include "cmtd-util.h"

const char *
cmtd_check_state_to_string (CmtdCheckState state)
{
  switch (state)
    {
    case CMTD_CHECK_OK:
      return "ok";
    case CMTD_CHECK_AUTH_FAILED:
      return "auth-failed";
    case CMTD_CHECK_NEVER:
    default:
      return "never";
    }
}

CmtdCheckState
cmtd_check_state_from_string (const char *string)
{
  if (g_strcmp0 (string, "ok") == 0)
    return CMTD_CHECK_OK;
  if (g_strcmp0 (string, "auth-failed") == 0)
    return CMTD_CHECK_AUTH_FAILED;
  return CMTD_CHECK_NEVER;
}

CmtStatus
cmtd_credential_status (CmtdCheckState state,
                        gint64         expires_at,
                        gint64         warn_before,
                        gint64         now)
{
  if (state == CMTD_CHECK_AUTH_FAILED)
    return CMT_STATUS_INVALID;
  if (expires_at > 0)
    return cmt_expiry_status (expires_at, warn_before, now);
  if (state == CMTD_CHECK_OK)
    return CMT_STATUS_VALID;
  return CMT_STATUS_UNKNOWN;
}

gint64
cmtd_credential_next_change (CmtdCheckState state,
                             gint64         expires_at,
                             gint64         warn_before,
                             gint64         now)
{
  if (state == CMTD_CHECK_AUTH_FAILED)
    return 0;
  return cmt_expiry_next_change (expires_at, warn_before, now);
}

gboolean
cmtd_status_needs_attention (CmtStatus status)
{
  return status == CMT_STATUS_EXPIRING ||
         status == CMT_STATUS_EXPIRED ||
         status == CMT_STATUS_INVALID;
}

gboolean
cmtd_error_needs_user (const GError *error)
{
  return error != NULL && error->domain == CMT_ERROR &&
         (error->code == CMT_ERROR_CLOUD_AUTH_FAILED ||
          error->code == CMT_ERROR_SERVER_AUTH_FAILED ||
          error->code == CMT_ERROR_TOKEN_REJECTED ||
          error->code == CMT_ERROR_NOT_SUPPORTED);
}

gboolean
cmtd_error_is_keyring (const GError *error)
{
  return error != NULL && error->domain == CMT_ERROR &&
         (error->code == CMT_ERROR_KEYRING_LOCKED ||
          error->code == CMT_ERROR_KEYRING_UNAVAILABLE);
}

void
cmtd_error_to_cmt (GError **error)
{
  GError *mapped;

  if (error == NULL || *error == NULL || (*error)->domain == CMT_ERROR)
    return;

  if (g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    mapped = g_error_new_literal (CMT_ERROR, CMT_ERROR_CANCELLED,
                                  _("The operation was cancelled. Start it again when you are ready."));
  else
    mapped = g_error_new_literal (CMT_ERROR, CMT_ERROR_FAILED, (*error)->message);
  g_error_free (*error);
  *error = mapped;
}

gboolean
cmtd_id_is_valid (const char *id)
{
  if (id == NULL || *id == '\0' || strlen (id) > 64)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

/* Hex digits of a random (v4) UUID: GLib reads them from the system's CSPRNG. */
static char *
random_hex (guint length)
{
  g_autofree char *uuid = g_uuid_string_random ();
  GString *hex = g_string_sized_new (length);

  for (const char *p = uuid; *p != '\0' && hex->len < length; p++)
    if (g_ascii_isxdigit (*p))
      g_string_append_c (hex, g_ascii_tolower (*p));
  return g_string_free (hex, FALSE);
}

char *
cmtd_new_id (void)
{
  return random_hex (12);
}

char *
cmtd_new_slot (void)
{
  return random_hex (16);
}

static gboolean
has_control_chars (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        return TRUE;
    }
  return FALSE;
}

gboolean
cmtd_validate_email (const char *email,
                     GError    **error)
{
  if (email == NULL || *email == '\0')
    {
      g_set_error_literal (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                           _("The email address is empty. Enter the email address of the Atlassian account."));
      return FALSE;
    }
  if (strlen (email) > CMTD_EMAIL_MAX_LENGTH || !g_utf8_validate (email, -1, NULL) ||
      has_control_chars (email) || strchr (email, ' ') != NULL)
    {
      g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   _("The email address is not valid: it must be at most %d characters, without spaces or control characters. Enter the address you sign in to Atlassian with."),
                   CMTD_EMAIL_MAX_LENGTH);
      return FALSE;
    }
  if (strchr (email, '@') == NULL || email[0] == '@' || g_str_has_suffix (email, "@"))
    {
      g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an email address. Enter the address you sign in to Atlassian with, for example admin@example.com."),
                   email);
      return FALSE;
    }
  return TRUE;
}

gboolean
cmtd_validate_secret (const char *secret,
                      GError    **error)
{
  /* The messages never quote the secret. */
  if (secret == NULL || *secret == '\0')
    {
      g_set_error_literal (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                           _("The token or password is empty. Paste the token or enter the password."));
      return FALSE;
    }
  if (strlen (secret) > CMTD_SECRET_MAX_LENGTH)
    {
      g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   _("The token or password is longer than %d bytes, so it cannot be right. Copy the token again, without anything around it."),
                   CMTD_SECRET_MAX_LENGTH);
      return FALSE;
    }
  if (!g_utf8_validate (secret, -1, NULL) || has_control_chars (secret))
    {
      g_set_error_literal (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                           _("The token or password contains line breaks or control characters. Copy the token again, without anything around it."));
      return FALSE;
    }
  return TRUE;
}

gboolean
cmtd_validate_expiry (gint64   expires_at,
                      GError **error)
{
  if (expires_at < 0)
    {
      g_set_error_literal (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                           _("The expiry time is negative. Give a time in seconds since 1970, or 0 when the credential does not expire."));
      return FALSE;
    }
  /* Beyond the year 9999 GDateTime cannot show it. */
  if (expires_at > G_GINT64_CONSTANT (253402300799))
    {
      g_set_error_literal (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                           _("The expiry time is after the year 9999. Give a time in seconds since 1970, or 0 when the credential does not expire."));
      return FALSE;
    }
  return TRUE;
}

gboolean
cmtd_validate_product (const char *product,
                       GError    **error)
{
  if (g_strcmp0 (product, "jira") == 0 || g_strcmp0 (product, "confluence") == 0)
    return TRUE;
  g_set_error_literal (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                       _("The product must be “jira” or “confluence”. Choose the product the server runs."));
  return FALSE;
}

gboolean
cmtd_validate_auth_kind (const char *auth_kind,
                         const char *username,
                         GError    **error)
{
  if (g_strcmp0 (auth_kind, "pat") == 0)
    return TRUE;
  if (g_strcmp0 (auth_kind, "basic") != 0)
    {
      g_set_error_literal (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                           _("The sign-in method must be “pat” (a personal access token) or “basic” (a username and password)."));
      return FALSE;
    }
  if (username == NULL || *username == '\0')
    {
      g_set_error_literal (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                           _("The username is empty. Enter the username of a server administrator, or use a personal access token."));
      return FALSE;
    }
  if (strlen (username) > CMTD_USERNAME_MAX_LENGTH || !g_utf8_validate (username, -1, NULL) ||
      has_control_chars (username) || strchr (username, ':') != NULL)
    {
      g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   _("The username is not valid: it must be at most %d characters, without colons or control characters. Enter the username you sign in to the server with."),
                   CMTD_USERNAME_MAX_LENGTH);
      return FALSE;
    }
  return TRUE;
}

char *
cmtd_validate_url (const char *url,
                   GError    **error)
{
  return cmt_url_normalize (url, error);
}

gboolean
cmtd_option_lookup (GVariant            *options,
                    const char          *key,
                    const GVariantType  *type,
                    GVariant           **out_value,
                    GError             **error)
{
  g_autoptr(GVariant) value = NULL;

  *out_value = NULL;
  if (options == NULL)
    return TRUE;
  value = g_variant_lookup_value (options, key, NULL);
  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type (value, type))
    {
      g_autofree char *type_string = g_variant_type_dup_string (type);
      g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   _("The option “%1$s” must be of type “%2$s”. Correct the call."),
                   key, type_string);
      return FALSE;
    }
  *out_value = g_steal_pointer (&value);
  return TRUE;
}

gboolean
cmtd_option_get_boolean (GVariant    *options,
                         const char  *key,
                         gboolean     default_value,
                         gboolean    *out_value,
                         GError     **error)
{
  g_autoptr(GVariant) value = NULL;

  if (!cmtd_option_lookup (options, key, G_VARIANT_TYPE_BOOLEAN, &value, error))
    return FALSE;
  *out_value = value != NULL ? g_variant_get_boolean (value) : default_value;
  return TRUE;
}

/* The "check" option: skipping the check lets any process on the session bus
 * store a credential, or point a stored cloud account at a server, that was
 * never verified; it exists for the test suite and is honoured only in its
 * mode (CMATOKEN_ALLOW_INSECURE_LOOPBACK=1). */
gboolean
cmtd_option_get_check (GVariant  *options,
                       gboolean  *out_check,
                       GError   **error)
{
  gboolean check = TRUE;

  if (!cmtd_option_get_boolean (options, "check", TRUE, &check, error))
    return FALSE;
  if (!check && g_strcmp0 (g_getenv ("CMATOKEN_ALLOW_INSECURE_LOOPBACK"), "1") != 0)
    {
      g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   _("The option “check” can only be turned off in test mode: every credential is checked before it is stored."));
      return FALSE;
    }
  *out_check = check;
  return TRUE;
}

const char *
cmtd_product_display_name (const char *product)
{
  if (g_strcmp0 (product, "confluence") == 0)
    return "Confluence";
  return "Jira";
}
