"""tf.losses (being written)"""
