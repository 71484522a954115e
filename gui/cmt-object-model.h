/* cmt-object-model.h: the objects of a D-Bus object manager that have one interface, as a list model */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CMT_TYPE_OBJECT_MODEL (cmt_object_model_get_type ())
G_DECLARE_FINAL_TYPE (CmtObjectModel, cmt_object_model, CMT, OBJECT_MODEL, GObject)

/*
 * A GListModel of the GDBusObjects of @manager that carry @interface_name,
 * kept up to date from object-added/removed and interface-added/removed.
 * When one of @resort_properties (GObject property names of the interface,
 * such as "status") changes, the object's position is reported as changed
 * (items-changed with 1 removed, 1 added) so that sort and filter models
 * above it place it again. Other property changes are left to whoever shows
 * the object (connect to the interface's notify).
 */
CmtObjectModel *cmt_object_model_new          (GDBusObjectManager  *manager,
                                               const char          *interface_name,
                                               const char * const  *resort_properties);

GDBusObjectManager *cmt_object_model_get_manager (CmtObjectModel *self);

/* The object whose id (last path element) is @id, and its position. */
GDBusObject    *cmt_object_model_find_by_id   (CmtObjectModel      *self,
                                               const char          *id,
                                               guint               *position);

G_END_DECLS
