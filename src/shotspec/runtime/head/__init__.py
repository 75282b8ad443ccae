"""The scanned morphable head (ICT-FaceKit) and the torch mesh renderer that draws it."""
