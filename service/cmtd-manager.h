/* cmtd-manager.h: the Manager1 object: adds accounts, servers and connections */
#pragma once

#include <gio/gio.h>

#include "cmtd-daemon.h"

G_BEGIN_DECLS

#define CMTD_TYPE_MANAGER (cmtd_manager_get_type ())
G_DECLARE_FINAL_TYPE (CmtdManager, cmtd_manager, CMTD, MANAGER, GObject)

CmtdManager         *cmtd_manager_new                (CmtdDaemon  *daemon);
GDBusObjectSkeleton *cmtd_manager_get_object         (CmtdManager *self);
/* Reads the settings and the keyring state from the daemon again. */
void                 cmtd_manager_update_properties  (CmtdManager *self);

G_END_DECLS
