"""Face analysis shared by the skin enhancer (plates and renders) and the identity lock (photos).

* ``regions`` — connected regions of a mask (8-connected labels, areas, centroids, boxes);
* ``face_mesh`` — the optional mediapipe face mesh: one run, its landmark sets, the iris
  centres, and the eye/lip/brow outlines the enhancer keeps out of its skin mask;
* ``skin_mask`` — soft skin mask of a plate (YCbCr skin box, robust colour model, strand-scale
  texture, regions, face zones, guided-filter edge);
* ``texture_cues`` — what tells skin from hair of the same colour (band energy, coherence) and
  the guided filter;
* ``iris``, ``eye_pair``, ``face_zones`` — the limbus fit (both sides or one), the plate's
  irises without landmarks (a pair of eyes or one eye), and the nose/eye/brow zones placed
  from a pair;
* ``face_scale`` — mm per pixel from the irises (11.7 mm) and the eye distance (63 mm);
* ``face_frame`` — the face's scale and placement in millimetres (``IPD_MM``, ``FACE_WIDTH_MM``)
  from AOVs, landmarks or the mask, for the enhancer's texture;
* ``face_finder`` — the face, its skin and landmarks in an identity photo (log-chromaticity skin
  model, mediapipe or the built-in eye and mouth finder);
* ``landmark_measures`` — the built-in finder's image measures: iris response and centring,
  mouth, face width at a row.

The two skin detectors answer different questions and stay two (see each module); everything
they share — regions, the mediapipe run, the eye distance in millimetres, the colour
conversions (``shotspec.color``) and filters (``shotspec.runtime.filters``) — has one home.
"""
