"""The scanned character: the packaged ICT-FaceKit morphable head, posed and rendered in torch."""
