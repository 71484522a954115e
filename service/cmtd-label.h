/* cmtd-label.h: the name people give an object ("本番 Jira"), checked, stored and answered once for all three kinds */
#pragma once

#include <gio/gio.h>

#include "cmtd-daemon.h"

G_BEGIN_DECLS

#define CMTD_LABEL_MAX_CHARS 64

/* Trims @label and checks it: valid UTF-8, no control characters, at most
 * CMTD_LABEL_MAX_CHARS characters; "" clears. A new string, or NULL and
 * CMT_ERROR_INVALID_ARGUMENT. */
char *cmtd_label_normalize (const char  *label,
                            GError     **error);

/* The "label" key of @group: written only when there is a label (older
 * files stay as they were); read back checked, "" when missing, and
 * dropped with a warning when it is not one the service could have written. */
void  cmtd_label_save      (GKeyFile    *kf,
                            const char  *group,
                            const char  *label);
char *cmtd_label_load      (GKeyFile    *kf,
                            const char  *group);

/* Writes @object's groups into the state file's key file. */
typedef void (*CmtdLabelSaveFunc) (gpointer object);

/*
 * SetLabel: checks @label, sets the "label" property of @iface, writes the
 * key file with @save (@object) and the state file, then answers
 * @invocation; if the write fails, the old label is put back and the error
 * is returned. Takes the handler's reference on @invocation.
 */
void  cmtd_label_handle_set (CmtdDaemon             *daemon,
                             GDBusInterfaceSkeleton *iface,
                             GDBusMethodInvocation  *invocation,
                             const char             *label,
                             CmtdLabelSaveFunc       save,
                             gpointer                object);

G_END_DECLS
