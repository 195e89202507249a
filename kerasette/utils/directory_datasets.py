"""``image_dataset_from_directory``, ``text_dataset_from_directory`` and
``audio_dataset_from_directory``: local folders as ``HostDataset``s of batches.

The folder layout, label inference, ``validation_split``/``subset``/``seed``
semantics and file order follow Keras 3 (``class_a/…``, ``class_b/…`` sub-folders
give labels 0, 1, … in alphanumeric order; files are shuffled with
``RandomState(seed)`` before the split; the training subset reshuffles each
epoch). Files are read lazily, one batch at a time: images through Pillow,
audio through the standard library's ``wave`` (PCM ``.wav``), text as UTF-8.
"""
from __future__ import annotations

import os
import wave

import numpy as np

from .. import config
from .host_dataset import HostDataset
from .image_utils import _pil, _resample, img_to_array, load_img

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def _walk(folder, formats, follow_links):
    found = []
    for root, dirs, files in os.walk(folder, followlinks=follow_links):
        dirs.sort()
        found += [os.path.join(root, f) for f in sorted(files) if f.lower().endswith(formats)]
    return found


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False):
    """``(file_paths, labels, class_names)`` of the files under ``directory``, Keras's order."""
    if not os.path.isdir(directory):
        raise ValueError(f"`directory` {directory!r} is not a folder.")
    if labels == "inferred":
        subdirs = sorted(d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d)))
        if class_names is not None:
            unknown = [c for c in class_names if c not in subdirs]
            if unknown or len(class_names) != len(subdirs):
                raise ValueError(f"`class_names` {list(class_names)} must list exactly the sub-folders of "
                                 f"{directory}: {subdirs}.")
            subdirs = list(class_names)
        paths, found_labels = [], []
        for k, d in enumerate(subdirs):
            files = _walk(os.path.join(directory, d), formats, follow_links)
            paths += files
            found_labels += [k] * len(files)
        class_names = list(subdirs)
    else:
        if class_names is not None:
            raise ValueError("`class_names` can only be given with labels='inferred'.")
        paths = _walk(directory, formats, follow_links)
        if labels is None:
            found_labels = None
        else:
            found_labels = list(labels)
            if len(found_labels) != len(paths):
                raise ValueError(f"Expected the lengths of `labels` to match the number of files in "
                                 f"{directory}: {len(found_labels)} labels, {len(paths)} files.")
        class_names = None
    found_labels = None if found_labels is None else np.asarray(found_labels, dtype="int32")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1_000_000)
        order = np.arange(len(paths))
        np.random.RandomState(seed).shuffle(order)
        paths = [paths[i] for i in order]
        if found_labels is not None:
            found_labels = found_labels[order]
    return paths, found_labels, class_names


def _check_split(validation_split, subset, shuffle, seed):
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, got {validation_split}.")
    if subset not in (None, "training", "validation", "both"):
        raise ValueError(f'`subset` must be "training", "validation", "both" or None, got {subset!r}.')
    if (validation_split is None) != (subset is None):
        raise ValueError("`validation_split` and `subset` must be given together.")
    if validation_split is not None and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a "
                         "`seed` argument, so that the training and validation subsets do not overlap.")


def _subsets(paths, labels, validation_split, subset):
    """[(name, paths, labels)] for the requested subset(s)."""
    if validation_split is None:
        return [("all", paths, labels)]
    n_val = int(validation_split * len(paths))
    cut = len(paths) - n_val
    parts = {"training": (paths[:cut], None if labels is None else labels[:cut]),
             "validation": (paths[cut:], None if labels is None else labels[cut:])}
    names = ["training", "validation"] if subset == "both" else [subset]
    return [(name, *parts[name]) for name in names]


def _encode_labels(labels, label_mode, num_classes):
    if label_mode == "int":
        return labels.astype("int32")
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels]
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    raise ValueError(f'`label_mode` must be "int", "categorical", "binary" or None, got {label_mode!r}.')


def _make(paths, labels, label_mode, num_classes, read_one, batch_size, shuffle, seed, training,
          class_names, collate=None):
    encoded = None if (labels is None or label_mode is None) else _encode_labels(labels, label_mode,
                                                                                 num_classes)
    if encoded is None:
        ds = HostDataset(len(paths), lambda i: read_one(paths[i]))
    else:
        ds = HostDataset(len(paths), lambda i: (read_one(paths[i]), encoded[i]))
    if shuffle and training:
        ds = ds.shuffle(seed=seed)
    if batch_size is not None:
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive int or None, got {batch_size!r}.")
        ds = ds.batch(batch_size) if collate is None else collate(ds, batch_size)
    ds.class_names = class_names
    ds.file_paths = list(paths)
    return ds


def _build(directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split,
           subset, follow_links, verbose, formats, kind, read_one, collate=None):
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError(f'`labels` must be "inferred", None, or a list/tuple of ints; got {labels!r}.')
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f'`label_mode` must be "int", "categorical", "binary" or None, got {label_mode!r}.')
    if labels is None:
        label_mode = None
    _check_split(validation_split, subset, shuffle, seed)
    if seed is None and shuffle:
        seed = np.random.randint(1_000_000)
    paths, found, class_names = index_directory(directory, labels, formats, class_names, shuffle, seed,
                                                follow_links)
    num_classes = len(class_names) if class_names else (int(found.max()) + 1 if found is not None and len(found) else 0)
    if label_mode == "binary" and num_classes != 2:
        raise ValueError(f'label_mode="binary" needs exactly 2 classes; {directory} has {num_classes}: '
                         f"{class_names}.")
    if not paths:
        raise ValueError(f"No {kind} files found in {directory} (looked for {', '.join(formats)}).")
    if verbose:
        classes = f" belonging to {num_classes} classes" if class_names else ""
        print(f"Found {len(paths)} files{classes}.")
    out = []
    for name, p, lab in _subsets(paths, found, validation_split, subset):
        if verbose and name != "all":
            print(f"Using {len(p)} files for {name}.")
        out.append(_make(p, lab, label_mode, num_classes, read_one, batch_size, shuffle, seed,
                         name in ("training", "all"), class_names, collate))
    return out[0] if len(out) == 1 else tuple(out)


# ------------------------------------------------------------------- images
def _aspect_fit(img, height, width, crop, pad):
    """``img`` cropped or padded (centred, black) to the aspect ratio ``width / height``."""
    from .image_utils import _crop_to_aspect
    if crop:
        return _crop_to_aspect(img, height, width)
    if pad:
        w, h = img.size
        new_w, new_h = max(w, -(-h * width // height)), max(h, -(-w * height // width))
        canvas = _pil().new(img.mode, (new_w, new_h))
        canvas.paste(img, ((new_w - w) // 2, (new_h - h) // 2))
        return canvas
    return img


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True,
                                 seed=None, validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                                 data_format=None, format="tf", verbose=True):
    """Images in class sub-folders as a dataset of ``(images, labels)`` batches.

    Args: as ``keras.utils.image_dataset_from_directory``. Images are float32
    ``(batch, height, width, channels)`` (channels first with
    ``data_format="channels_first"``), resized to ``image_size`` with Pillow's
    ``interpolation``. ``format`` is accepted for compatibility: the result is a
    ``HostDataset`` (no TensorFlow).

    Returns:
        A ``HostDataset`` with ``class_names`` and ``file_paths``, or a
        ``(training, validation)`` pair with ``subset="both"``.

    Example:
        >>> train, val = image_dataset_from_directory("photos", validation_split=0.2,
        ...                                           subset="both", seed=1, image_size=(64, 64))
        >>> model.fit(train, validation_data=val, epochs=5)
    """
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be True.")
    height, width = image_size
    resample = _resample(_pil(), interpolation) if interpolation != "area" else _pil().Resampling.BOX
    data_format = data_format or config.image_data_format()

    def read_one(path):
        img = load_img(path, color_mode=color_mode)
        img = _aspect_fit(img, height, width, crop_to_aspect_ratio, pad_to_aspect_ratio)
        if img.size != (width, height):
            img = img.resize((width, height), resample)
        return img_to_array(img, data_format=data_format, dtype="float32")

    return _build(directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split,
                  subset, follow_links, verbose, IMAGE_FORMATS, "image", read_one)


# --------------------------------------------------------------------- text
def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False, format="tf",
                                verbose=True):
    """``.txt`` files in class sub-folders as a dataset of ``(texts, labels)`` batches;
    texts are NumPy object arrays of ``str`` (truncated to ``max_length`` characters)."""
    def read_one(path):
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise ValueError(f"Cannot read the text file {path!r}: {e}") from e
        return text if max_length is None else text[:max_length]

    return _build(directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split,
                  subset, follow_links, verbose, (".txt",), "text", read_one)


# -------------------------------------------------------------------- audio
def read_wav(path):
    """``(samples (frames, channels) float32 in [-1, 1], sampling rate)`` of a PCM ``.wav``."""
    try:
        with wave.open(os.fspath(path), "rb") as w:
            channels, width, rate, frames = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            raw = w.readframes(frames)
    except (wave.Error, EOFError, OSError) as e:
        raise ValueError(f"Cannot read the audio file {os.fspath(path)!r} as PCM WAV: {e}") from e
    if width == 1:
        data = (np.frombuffer(raw, "uint8").astype("float32") - 128.0) / 128.0
    elif width in (2, 4):
        data = np.frombuffer(raw, f"<i{width}").astype("float32") / float(2 ** (8 * width - 1))
    else:
        raise ValueError(f"{os.fspath(path)!r}: {8 * width}-bit WAV samples are not supported (use 8, 16 "
                         "or 32-bit PCM).")
    return data.reshape(-1, channels), rate


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 batch_size=32, sampling_rate=None, output_sequence_length=None,
                                 ragged=False, shuffle=True, seed=None, validation_split=None, subset=None,
                                 follow_links=False, verbose=True):
    """``.wav`` files in class sub-folders as a dataset of ``(audio, labels)`` batches.

    Audio is float32 ``(batch, frames, channels)`` in [-1, 1]: cut or zero-padded
    to ``output_sequence_length`` when given, else zero-padded to the longest
    clip of the batch. ``sampling_rate``, when given, must be the files' rate
    (kerasette does not resample; the error names the file).
    """
    if ragged:
        raise ValueError("ragged=True is not supported: kerasette batches are dense NumPy arrays; "
                         "use output_sequence_length or the default padding to the longest clip.")

    def read_one(path):
        data, rate = read_wav(path)
        if sampling_rate is not None and rate != sampling_rate:
            raise ValueError(f"{path!r} is sampled at {rate} Hz, not sampling_rate={sampling_rate}; "
                             "kerasette does not resample audio.")
        if output_sequence_length is not None:
            data = data[:output_sequence_length]
            if len(data) < output_sequence_length:
                data = np.pad(data, ((0, output_sequence_length - len(data)), (0, 0)))
        return data

    def collate(ds, size):
        def pad(clips):
            longest = max(len(c) for c in clips)
            return np.stack([np.pad(c, ((0, longest - len(c)), (0, 0))) for c in clips])

        def get(i):
            items = [ds[j] for j in range(i * size, min((i + 1) * size, len(ds)))]
            if isinstance(items[0], tuple):
                return pad([a for a, _ in items]), np.stack([b for _, b in items])
            return pad(items)
        return HostDataset(-(-len(ds) // size), get, batched=True, parent=ds)

    return _build(directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split,
                  subset, follow_links, verbose, (".wav",), "audio", read_one, collate)
