"""Trains one model and saves it as a checkpoint.

python -m aelab.train {ae2d,vae2d,dae,colorizer,colorizer_mse} --epochs N [--data-dir D] [--out DIR]
"""

import dataclasses
import sys
import time

from aelab.cli import ArgumentParser, existing_dir, non_negative_int, positive_float, positive_int, quiet_tensorflow


def parse_args(argv=None, prog="python -m aelab.train"):
    # aelab.training.config, not aelab.training.pipeline: flag errors come before TensorFlow starts (and prints).
    from aelab.training.config import AUGMENTS, MODEL_KINDS, OPTIMIZER_NAMES, TrainConfig

    d = TrainConfig()
    p = ArgumentParser(prog=prog, description="Train an aelab model and save it as a checkpoint.")
    p.add_argument("model", choices=MODEL_KINDS, help="which model to train")
    p.add_argument("--epochs", type=positive_int, default=d.epochs)
    p.add_argument("--batch-size", type=positive_int, default=d.batch_size)
    p.add_argument("--seed", type=non_negative_int, default=d.seed)
    p.add_argument("--lr", type=positive_float, default=d.learning_rate, help="initial learning rate")
    p.add_argument("--optimizer", choices=OPTIMIZER_NAMES, default=d.optimizer)
    p.add_argument("--schedule", choices=("plateau", "cosine"), default=d.schedule)
    p.add_argument("--train-size", type=non_negative_int, default=0, help="training images (0: all)")
    p.add_argument("--val-size", type=non_negative_int, default=d.val_size, help="hold-out for keep-best")
    p.add_argument("--latent-dim", type=non_negative_int, default=0, help="0: the model's default")
    p.add_argument("--hidden-units", type=int, default=-1, help="-1: the model's default")
    p.add_argument(
        "--augment",
        choices=AUGMENTS,
        default=d.augment,
        help="redraw MNIST training digits on the fly (pen width, slant, rotation, scale, shift, elastic, blur)",
    )
    p.add_argument(
        "--init",
        default=d.init,
        metavar="NAME",
        help="start from this checkpoint's weights (a fine-tune), looked up in --init-dir or the usual places",
    )
    p.add_argument("--init-dir", type=existing_dir, default=None, help="folder of the --init checkpoint")
    p.add_argument("--arch", choices=("unet", "tutorial"), default="unet", help="colorizer_mse architecture")
    p.add_argument(
        "--data-dir",
        type=existing_dir,
        default=None,
        help="folder with mnist.npz / cifar10.npz (else $AELAB_DATA_DIR, else Keras' download)",
    )
    p.add_argument("--out", default=None, help="checkpoint folder (else $AELAB_CHECKPOINT_DIR, else checkpoints/)")
    p.add_argument("--name", default=None, help="checkpoint name (default: the model kind)")
    p.add_argument(
        "--distribute",
        choices=("none", "mirrored"),
        default="none",
        help="mirrored: tf.distribute.MirroredStrategy over all local devices",
    )
    p.add_argument(
        "--logical-cpus",
        type=positive_int,
        default=1,
        help="split the CPU into N logical devices (to try --distribute on one machine)",
    )
    args = p.parse_args(argv)
    # The flags are TrainConfig's fields by name (--lr is learning_rate); its own checks answer as flags do.
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    try:
        args.config = TrainConfig(learning_rate=args.lr, **{k: v for k, v in vars(args).items() if k in fields})
    except ValueError as e:
        p.error(str(e))
    quiet_tensorflow()  # aelab.checkpoints imports Keras.
    from aelab import locations
    from aelab.checkpoints import READ_ONLY_ENV, check_name, read_only, resolve_dir

    try:
        args.name = check_name(args.name or args.model)
    except ValueError as e:
        p.error(str(e))
    if read_only():
        # Found now, not after an hour of training when the save is refused.
        p.error(f"{READ_ONLY_ENV} is set (classroom mode): checkpoints cannot be written; unset it to train")
    problem = locations.package_write_error(resolve_dir(args.out), "--out")
    if problem:  # Installed with pip: the shipped checkpoints are package files.
        p.error(problem)
    return args


def make_strategy(kind, logical_cpus):
    """Returns a tf.distribute strategy (or None) and sets up logical CPUs first."""
    import tensorflow as tf

    if logical_cpus > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * logical_cpus)
    if kind != "mirrored":
        return None
    gpus = tf.config.list_logical_devices("GPU")
    devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
    return tf.distribute.MirroredStrategy(devices=devices)


def main(argv=None, prog="python -m aelab.train"):
    args = parse_args(argv, prog)
    quiet_tensorflow()
    import contextlib

    from aelab import data
    from aelab.training import callbacks, pipeline

    cfg = args.config
    try:
        x_train, x_val, (x_test, _) = pipeline.load_split(cfg, args.data_dir)
    except data.DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    strategy = make_strategy(args.distribute, args.logical_cpus)
    # A fresh scope each time: a strategy's scope object cannot be entered twice.
    scope = strategy.scope if strategy else contextlib.nullcontext
    t0 = time.perf_counter()
    with scope():
        model = pipeline.build_model(cfg)
        if cfg.init:
            from aelab.checkpoints import CheckpointError, load

            try:
                model.set_weights(load(cfg.init, args.init_dir).get_weights())
            except (CheckpointError, ValueError) as e:
                print(f"error: --init {cfg.init}: {e}", file=sys.stderr)
                return 2
    print(
        f"{args.model}: {model.count_params():,} parameters, {len(x_train)} training images, {len(x_val)} validation"
        + (f", {strategy.num_replicas_in_sync} replicas" if strategy else ""),
        flush=True,
    )

    def report(epoch, epochs, logs, seconds):
        vals = "  ".join(f"{k} {v:.4f}" for k, v in sorted(logs.items()) if k != "learning_rate")
        print(f"epoch {epoch + 1}/{epochs}  {seconds:.1f}s  {vals}", flush=True)

    def save_best(m, epoch, logs):
        # An interim checkpoint: if the run is killed, the best epoch so far survives.
        last = {k: [float(v)] for k, v in logs.items()}
        pipeline.save_trained(m, args.name, cfg, last, {}, time.perf_counter() - t0, args.out, epochs=epoch + 1)

    cbs = callbacks.build(on_epoch=report, save_best=save_best if len(x_val) else None)
    with scope():
        history = pipeline.fit(model, cfg, x_train, x_val, cbs)
    seconds = time.perf_counter() - t0
    test = pipeline.test_metrics(model, cfg.model, x_test, seed=cfg.seed)
    path = pipeline.save_trained(model, args.name, cfg, history.history, test, seconds, args.out)
    print(f"trained in {seconds:.0f}s; test: " + ", ".join(f"{k} {v:.4f}" for k, v in test.items()))
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
