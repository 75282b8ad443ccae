"""The scanned character: the packaged ICT-FaceKit morphable head (package data made by
tools/convert_facekit.py), posed in torch and drawn by the mesh renderer in this package."""
