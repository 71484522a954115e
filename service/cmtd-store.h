/* cmtd-store.h: cmatokend's state key file, written atomically off the main thread */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CMTD_TYPE_STORE (cmtd_store_get_type ())
G_DECLARE_FINAL_TYPE (CmtdStore, cmtd_store, CMTD, STORE, GObject)

/* Group names: "CloudAccount ID", "Server ID", "Connection ID". */
#define CMTD_STORE_GROUP_CLOUD_ACCOUNT "CloudAccount"
#define CMTD_STORE_GROUP_SERVER        "Server"
#define CMTD_STORE_GROUP_CONNECTION    "Connection"
/* Keyring slots positively superseded (replaced or removed), by object id:
 * the only keyring items the service may delete at start. */
#define CMTD_STORE_GROUP_RETIRED       "Retired"

CmtdStore  *cmtd_store_new            (const char           *path);
const char *cmtd_store_get_path       (CmtdStore            *self);
/*
 * A missing file is an empty state. A file that cannot be read as a key
 * file is moved aside to PATH.broken-<UTC time> (never overwritten) and the
 * state starts from the groups that still parse (a warning names the copy).
 * Leftover temporary files of an interrupted write are removed. Fails only
 * when the file cannot be read or moved aside at all.
 */
gboolean    cmtd_store_load           (CmtdStore            *self,
                                       GError              **error);
/* Where the last load() moved an unreadable state file, or NULL. */
const char *cmtd_store_get_moved_to   (CmtdStore            *self);
/* Records that SLOT of OBJECT_ID is superseded; written with the next save. */
void        cmtd_store_retire_slot    (CmtdStore            *self,
                                       const char           *object_id,
                                       const char           *slot);
gboolean    cmtd_store_slot_is_retired (CmtdStore           *self,
                                       const char           *object_id,
                                       const char           *slot);
/* The slot's keyring item is gone (or the slot is current again). */
void        cmtd_store_forget_retired (CmtdStore            *self,
                                       const char           *object_id,
                                       const char           *slot);
/* The in-memory state. Objects edit their own group, then call save. */
GKeyFile   *cmtd_store_get_key_file   (CmtdStore            *self);

/*
 * Writes the key file as it is now (or later: writes are coalesced, one at a
 * time, in a worker thread). Completes once a write that contains every
 * change made before this call is on disk.
 */
void        cmtd_store_save_async     (CmtdStore            *self,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean    cmtd_store_save_finish    (CmtdStore            *self,
                                       GAsyncResult         *result,
                                       GError              **error);
/* Completes once no write is running or waiting; writes nothing itself. */
void        cmtd_store_wait_idle_async (CmtdStore           *self,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean    cmtd_store_wait_idle_finish (CmtdStore          *self,
                                       GAsyncResult         *result,
                                       GError              **error);
/* TRUE when no write is running or waiting. */
gboolean    cmtd_store_is_idle        (CmtdStore            *self);

G_END_DECLS
