"""tf.nn (being written)"""
