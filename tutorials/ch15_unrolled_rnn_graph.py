"""Chapter 15: what an RNN looks like as a graph -- five steps, unrolled.

minitensor (like TF 1.x's static_rnn) has no loop op: ``tf.nn.static_rnn`` calls the cell
once per time step while the graph is built, so a 5-step RNN is five copies of the cell's
ops, chained through the state and all reading the same two variables.  This chapter
builds one, draws it (Mermaid text for the docs, a PNG with matplotlib), checks it against
a NumPy loop, and looks at its gradient: backpropagation through time is the same chain
walked backwards, and the kernel's gradient is the sum of five per-step contributions.

    python tutorials/ch15_unrolled_rnn_graph.py     # prints the Mermaid text of the graph

Environment variables:
    MINITENSOR_OUTPUT_DIR        where the drawings go (default ./tutorial_output)
"""
# --8<-- [start:setup]
import os

import matplotlib

matplotlib.use("Agg")  # write drawings to files, never open a window
import matplotlib.pyplot as plt
import numpy as np

import minitensor as tf

output_dir = os.environ.get("MINITENSOR_OUTPUT_DIR") or "tutorial_output"
os.makedirs(output_dir, exist_ok=True)
# --8<-- [end:setup]

# --8<-- [start:build]
# --- 1. A 5-step RNN ------------------------------------------------------------------------
n_steps, n_inputs, n_units = 5, 3, 4
tf.set_random_seed(1)
x = tf.placeholder(tf.float32, [None, n_steps, n_inputs], name="x")
cell = tf.nn.rnn_cell.BasicRNNCell(n_units)
outputs, state = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)

graph = tf.get_default_graph()
print("variables:", ", ".join("%s %s" % (v.name, v.shape) for v in cell.variables))
print("outputs:", [t.name for t in outputs])
print("ops in the graph:", len(graph.get_operations()))
for step in range(n_steps):
    suffix = "_%d" % step if step else ""
    names = ["concat" + suffix, "MatMul" + suffix, "add" + suffix, "Tanh" + suffix]
    ops = [graph.get_operation_by_name("rnn/basic_rnn_cell/" + n) for n in names]
    print("step %d: %s" % (step, "  ".join("%s(%s)" % (op.name.split("/")[-1], op.type)
                                           for op in ops)))
# --8<-- [end:build]

# --8<-- [start:mermaid]
# --- 2. Draw it ------------------------------------------------------------------------------
# Only the ops the last state depends on are drawn.  collapse= turns a name scope into one
# box: the machinery that builds the zero initial state, and each variable with its
# initializer and its read.
collapse = ["rnn/Shape", "rnn/strided_slice", "rnn/BasicRNNCellZeroState",
            "rnn/basic_rnn_cell/kernel", "rnn/basic_rnn_cell/bias"]
mermaid = tf.debug.to_mermaid(state, collapse=collapse, direction="TD")
print(mermaid)
# draw_graph lays the ops out left to right by depth: an unrolled RNN is one long row,
# so the figure is made wide enough for the labels not to overlap
fig = tf.debug.draw_graph(state, os.path.join(output_dir, "ch15_unrolled_rnn.png"),
                          collapse=collapse, figsize=(50, 3))
plt.close(fig)
# --8<-- [end:mermaid]

# --8<-- [start:shared]
# --- 3. One kernel, five uses ----------------------------------------------------------------
nodes, edges = tf.debug.graph_edges(state, collapse=collapse)
readers = [dst for src, dst, _, _ in edges if src == "rnn/basic_rnn_cell/kernel"]
print("the kernel feeds %d ops: %s" % (len(readers), ", ".join(readers)))
# --8<-- [end:shared]

# --8<-- [start:numpy]
# --- 4. The same computation as a NumPy loop --------------------------------------------------
batch = np.random.RandomState(0).uniform(-1, 1, size=(2, n_steps, n_inputs)).astype(np.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    kernel, bias = sess.run(cell.variables)
    graph_outputs = sess.run(outputs, {x: batch})
h = np.zeros((2, n_units), np.float32)
for step in range(n_steps):
    h = np.tanh(np.concatenate([batch[:, step], h], axis=1) @ kernel + bias)
    print("step %d: largest difference graph vs NumPy = %.1e"
          % (step, np.abs(graph_outputs[step] - h).max()))
# --8<-- [end:numpy]

# --8<-- [start:bptt]
# --- 5. Backpropagation through time ----------------------------------------------------------
loss = tf.reduce_mean(tf.square(outputs[-1]))
kernel_grad, bias_grad = tf.gradients(loss, cell.variables)
print("\nops in the graph with the gradients:", len(graph.get_operations()))
# tf.gradients names each op's gradient ops "gradients/<op name>_grad/...": list them in
# the order they were built -- from the last step back to the first
backward = []
for op in graph.get_operations():
    if op.name.startswith("gradients/rnn/basic_rnn_cell/"):
        scope = op.name.split("/")[3]                    # e.g. "Tanh_4_grad"
        if scope not in backward:
            backward.append(scope)
for start in range(0, len(backward), 4):
    print("backward:", " -> ".join(backward[start:start + 4]))
print("kernel gradient:", kernel_grad.op.name, "(%s) of" % kernel_grad.op.type)
for t in kernel_grad.op.inputs:
    print("   ", t.name)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    per_step = sess.run([t for t in kernel_grad.op.inputs], {x: batch})
    total = sess.run(kernel_grad, {x: batch})
print("size of each step's contribution (last step first):",
      " ".join("%.2e" % np.abs(g).max() for g in per_step))
print("sum of the contributions == kernel gradient:", bool(np.allclose(sum(per_step), total)))
print("Drawings saved in %s" % output_dir)
# --8<-- [end:bptt]
