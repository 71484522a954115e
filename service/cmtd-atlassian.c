/* cmtd-atlassian.c: the HTTP calls cmatokend makes to Atlassian cloud and to servers */
#include "cmtd-atlassian.h"
