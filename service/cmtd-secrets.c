/* cmtd-secrets.c: cmatokend's credentials in the keyring, through libsecret */
#include "cmtd-secrets.h"
