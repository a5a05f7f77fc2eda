"""The reference CMIS server: the whole annual-inspection service for CPAs, firms and institutes."""
