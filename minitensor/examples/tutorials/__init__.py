"""The tutorials' helper modules (``tensorflow.examples.tutorials``)."""
