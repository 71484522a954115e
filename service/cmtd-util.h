/* cmtd-util.h: the small rules cmatokend's objects share: input validation, ids, credential status */
#pragma once

#include <gio/gio.h>

#include "cmt-expiry.h"

G_BEGIN_DECLS

/* Limits on what a D-Bus caller may hand us. */
#define CMTD_EMAIL_MAX_LENGTH     320
#define CMTD_USERNAME_MAX_LENGTH  255
#define CMTD_SECRET_MAX_LENGTH    (16 * 1024)
/* A client's clock may run a little ahead of ours. */
#define CMTD_FUTURE_SLACK         60

/* What the last check of a credential said. Only an explicit refusal
 * (401/403) makes a credential "invalid"; a network failure says nothing. */
typedef enum {
  CMTD_CHECK_NEVER,
  CMTD_CHECK_OK,
  CMTD_CHECK_AUTH_FAILED,
} CmtdCheckState;

const char     *cmtd_check_state_to_string      (CmtdCheckState   state);
CmtdCheckState  cmtd_check_state_from_string    (const char      *string);

CmtStatus       cmtd_credential_status          (CmtdCheckState   state,
                                                 gint64           expires_at,
                                                 gint64           warn_before,
                                                 gint64           now);
gint64          cmtd_credential_next_change     (CmtdCheckState   state,
                                                 gint64           expires_at,
                                                 gint64           warn_before,
                                                 gint64           now);
gboolean        cmtd_status_needs_attention     (CmtStatus        status);
/* Failures only the admin can fix (credentials, a refused token, no migration API). */
gboolean        cmtd_error_needs_user           (const GError    *error);
gboolean        cmtd_error_is_keyring           (const GError    *error);

/* Maps any GError into CMT_ERROR (cancellation → CANCELLED, others → FAILED). */
void            cmtd_error_to_cmt               (GError         **error);

gboolean        cmtd_id_is_valid                (const char      *id);
char           *cmtd_new_id                     (void);
char           *cmtd_new_slot                   (void);

gboolean        cmtd_validate_email             (const char      *email,
                                                 GError         **error);
gboolean        cmtd_validate_secret            (const char      *secret,
                                                 GError         **error);
gboolean        cmtd_validate_expiry            (gint64           expires_at,
                                                 GError         **error);
gboolean        cmtd_validate_product           (const char      *product,
                                                 GError         **error);
gboolean        cmtd_validate_auth_kind         (const char      *auth_kind,
                                                 const char      *username,
                                                 GError         **error);
char           *cmtd_validate_url               (const char      *url,
                                                 GError         **error);

/* Reads an a{sv} option: FALSE with INVALID_ARGUMENT when present with the
 * wrong type; *out_value is NULL when the key is absent. */
gboolean        cmtd_option_lookup              (GVariant        *options,
                                                 const char      *key,
                                                 const GVariantType *type,
                                                 GVariant       **out_value,
                                                 GError         **error);
gboolean        cmtd_option_get_check           (GVariant        *options,
                                                 gboolean        *out_check,
                                                 GError         **error);
gboolean        cmtd_option_get_boolean         (GVariant        *options,
                                                 const char      *key,
                                                 gboolean         default_value,
                                                 gboolean        *out_value,
                                                 GError         **error);

const char     *cmtd_product_display_name       (const char      *product);

G_END_DECLS
