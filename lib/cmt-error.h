/* cmt-error.h: the cmatoken error domain, shared by the service and its clients */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CMT_ERROR (cmt_error_quark ())

/* Each code travels over D-Bus as io.github.cmatoken.Error.<Name>. */
typedef enum {
  CMT_ERROR_FAILED,
  CMT_ERROR_INVALID_ARGUMENT,
  CMT_ERROR_NOT_FOUND,
  CMT_ERROR_EXISTS,
  CMT_ERROR_IN_USE,
  CMT_ERROR_CONSENT_REQUIRED,
  CMT_ERROR_CLOUD_AUTH_FAILED,
  CMT_ERROR_SERVER_AUTH_FAILED,
  CMT_ERROR_TOKEN_REJECTED,
  CMT_ERROR_NOT_SUPPORTED,
  CMT_ERROR_NETWORK,
  CMT_ERROR_KEYRING_LOCKED,
  CMT_ERROR_KEYRING_UNAVAILABLE,
  CMT_ERROR_CANCELLED,
  CMT_ERROR_BUSY,
} CmtError;

#define CMT_ERROR_N_CODES (CMT_ERROR_BUSY + 1)

GQuark       cmt_error_quark           (void);
/* "InvalidArgument" etc.; NULL for a code out of range. */
const char  *cmt_error_code_to_name    (CmtError code);
/* "io.github.cmatoken.Error.InvalidArgument" etc.; NULL for a code out of range. */
const char  *cmt_error_code_to_dbus_name (CmtError code);
/* The code for a short name ("Network") or a full D-Bus error name; -1 if unknown. */
int          cmt_error_code_from_name  (const char *name);
/* Turns a GError from a D-Bus call into one in CMT_ERROR where the remote
 * name is ours, and strips the remote-error prefix from the message. */
void         cmt_error_from_dbus       (GError **error);

G_END_DECLS
