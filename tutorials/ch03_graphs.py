"""Chapter 3: computation graphs -- the default graph, execution order, lazy execution,
control dependencies, multiple graphs, name scopes and device placement.

The seed's "数据流图或者计算图" and "多图" programs with `import minitensor as tf`.
Every op call adds a node (an Operation) to a graph; a session runs the part of the
graph that the fetches need, in dependency order.

    python tutorials/ch03_graphs.py

The `# --8<-- [start:name]` / `[end:name]` comments mark the parts that the docs page
docs/ch03_graphs.md shows (mkdocs includes them from this file); they do nothing here.
"""
# --8<-- [start:setup]
import minitensor as tf
# --8<-- [end:setup]

# --8<-- [start:default_graph]
# --- The default graph --------------------------------------------------------------
graph = tf.get_default_graph()

# y = x1 + x2 + x3 (the seed's picture: three inputs into one add)
x1 = tf.constant(1.0, name="x1")
x2 = tf.constant(2.0, name="x2")
x3 = tf.constant(3.0, name="x3")
y = tf.add_n([x1, x2, x3], name="y")

print("operations in the default graph:")
for op in graph.get_operations():
    print("  {0:4s} {1:6s} inputs={2}".format(op.name, op.type,
                                              [t.name for t in op.inputs]))

# y = w * x + b, run in a `with tf.Session()` block (closed at the end of the block)
w = tf.Variable([.3], dtype=tf.float32)
b = tf.Variable([-.3], dtype=tf.float32)
x = tf.placeholder(dtype=tf.float32)
y = w * x + b
output = 0
with tf.Session() as tfs:
    tf.global_variables_initializer().run()
    output = tfs.run(y, {x: [1, 2, 3, 4]})
print("output: ", output)
# --8<-- [end:default_graph]

# --8<-- [start:lazy]
# --- Lazy execution: only what the fetch needs runs ------------------------------------
# `calls` counts how often `expensive` is computed: the assign_add is a control
# dependency of `expensive`, so it runs exactly when `expensive` runs.
tf.reset_default_graph()
calls = tf.Variable(0, name="calls")
x = tf.placeholder(tf.float32, name="x")
with tf.control_dependencies([tf.assign_add(calls, 1)]):
    expensive = tf.identity(x * 100.0, name="expensive")
cheap = tf.add(x, 1.0, name="cheap")
# tf.Print passes its input through and prints (to stderr) whenever it runs
printed = tf.Print(cheap, [cheap], message="cheap was computed: ")

with tf.Session() as tfs:
    tfs.run(tf.global_variables_initializer())
    print("run(cheap):", tfs.run(cheap, {x: 2.0}), " calls =", tfs.run(calls))
    print("run(expensive):", tfs.run(expensive, {x: 2.0}), " calls =", tfs.run(calls))
    print("run(expensive) again:", tfs.run(expensive, {x: 2.0}),
          " calls =", tfs.run(calls))
    print("run(printed):", tfs.run(printed, {x: 2.0}))
# --8<-- [end:lazy]

# --8<-- [start:control_dependencies]
# --- Execution order and control dependencies ----------------------------------------
# Ops run in dependency order, not in the order the lines were written.  Inside
# `with graph.control_dependencies([c, d])` every new op waits for c and d, even if it does
# not use their values.  log_device_placement prints the ops of each run in the order the
# session executes them.
tf.reset_default_graph()
graph = tf.get_default_graph()
counter = tf.Variable(0, name="counter")
a = tf.constant(10, name="a")
c = tf.assign_add(counter, 5, name="c")        # add 5 to counter ...
d = tf.assign_add(counter, 1, name="d")        # ... or add 1 to it
with graph.control_dependencies([c]):
    # a fresh read of counter, made inside the block, so it runs after c
    after_c = tf.add(counter.read_value(), a, name="after_c")

config = tf.ConfigProto(log_device_placement=True)
with tf.Session(config=config) as tfs:
    tfs.run(tf.global_variables_initializer())
    print("run(after_c):", tfs.run(after_c))  # c ran first: (0 + 5) + 10
    print("run(d):", tfs.run(d))              # only d (and what it needs) ran: 5 + 1
    print("counter:", tfs.run(counter))
# --8<-- [end:control_dependencies]

# --8<-- [start:multiple_graphs]
# --- Multiple graphs -------------------------------------------------------------------
# Ops go into the default graph unless another graph is made the default; a session runs
# exactly one graph.
g = tf.Graph()
output = 0
with g.as_default():
    w = tf.Variable([.3], tf.float32)
    b = tf.Variable([-.3], tf.float32)
    x = tf.placeholder(tf.float32)
    y = w * x + b

with tf.Session(graph=g) as tfs:
    tf.global_variables_initializer().run()
    output = tfs.run(y, {x: [1, 2, 3, 4]})
print("output: ", output)
print("y is in g:", y.graph is g, " and not in the default graph:",
      y.graph is not tf.get_default_graph())
# --8<-- [end:multiple_graphs]

# --8<-- [start:name_scopes]
# --- Name scopes -------------------------------------------------------------------------
# Names inside a scope are prefixed with it, which keeps big graphs readable.
tf.reset_default_graph()
with tf.name_scope("layer1"):
    w1 = tf.Variable([[1.0, 2.0]], name="w")
    h1 = tf.matmul(tf.constant([[3.0], [4.0]]), w1)
with tf.name_scope("layer2"):
    h2 = tf.reduce_sum(h1)
print("w1:", w1)
print("h1:", h1)
print("h2:", h2)
# --8<-- [end:name_scopes]

# --8<-- [start:devices]
# --- Placing ops on devices ----------------------------------------------------------
# The seed's example: log_device_placement=True prints where each op runs.
tf.reset_default_graph()
with tf.device("/device:CPU:0"):
    w = tf.Variable([.3], tf.float32)
    b = tf.Variable([-.3], tf.float32)
    x = tf.placeholder(tf.float32)
    y = w * x + b

config = tf.ConfigProto()
config.log_device_placement = True
with tf.Session(config=config) as tfs:
    tfs.run(tf.global_variables_initializer())
    print("output: ", tfs.run(y, {x: [1, 2, 3, 4]}))
# --8<-- [end:devices]
