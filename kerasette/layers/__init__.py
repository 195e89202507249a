"""Keras layers, re-exported flat as in ``keras.layers``."""
from .core import Activation, Dense, Dropout, Flatten, Identity, Lambda, Reshape
from .input_layer import Input, InputLayer
from .layer import InputSpec, Layer
from .convolutional import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose,
                            Convolution1D, Convolution1DTranspose, Convolution2D, Convolution2DTranspose,
                            Convolution3D, Convolution3DTranspose, DepthwiseConv1D, DepthwiseConv2D,
                            SeparableConv1D, SeparableConv2D, SeparableConvolution1D, SeparableConvolution2D)
from .pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D, AvgPool3D,
                      GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D,
                      GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D, GlobalMaxPool1D, GlobalMaxPool2D,
                      GlobalMaxPool3D, GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D,
                      MaxPool1D, MaxPool2D, MaxPool3D, MaxPooling1D, MaxPooling2D, MaxPooling3D)
from .adaptive_pooling import (AdaptiveAveragePooling1D, AdaptiveAveragePooling2D, AdaptiveAveragePooling3D,
                               AdaptiveMaxPooling1D, AdaptiveMaxPooling2D, AdaptiveMaxPooling3D)
from .reshaping import (Cropping1D, Cropping2D, Cropping3D, Permute, RepeatVector, UpSampling1D,
                        UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
from .embedding import Embedding, Masking, ReversibleEmbedding
from .rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from .recurrent import GRU, LSTM, RNN, SimpleRNN
from .conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, ConvLSTMCell
from .rnn_wrappers import Bidirectional, TimeDistributed
from .normalization import (BatchNormalization, GroupNormalization, LayerNormalization, RMSNormalization,
                            SpectralNormalization,
                            UnitNormalization)
from .regularization import (ActivityRegularization, AlphaDropout, GaussianDropout, GaussianNoise,
                             SpatialDropout1D, SpatialDropout2D, SpatialDropout3D)
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
                      concatenate, dot, maximum, minimum, multiply, subtract)
from .activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .preprocessing import (CategoryEncoding, Equalization, HashedCrossing, Hashing, RandomPerspective, MelSpectrogram, STFTSpectrogram, CenterCrop, Discretization, IntegerLookup, Normalization,
                            RandomBrightness, RandomContrast, RandomCrop, RandomFlip, RandomRotation,
                            RandomTranslation, RandomZoom, Rescaling, Resizing, StringLookup,
                            TextVectorization, AutoContrast, CutMix, MixUp, Pipeline, RandomColorDegeneration,
                            RandomColorJitter, RandomGrayscale, RandomHue, RandomInvert,
                            RandomPosterization, RandomSaturation, RandomSharpness, RandomShear, Solarization,
                            RandomErasing, RandomGaussianBlur)
from .preprocessing import (AugMix, ContrastLimitedAdaptiveHistogramEqualization, MaxNumBoundingBoxes,
                            RandAugment, RandomElasticTransform)
from .attention import (AdditiveAttention, Attention, GroupedQueryAttention, GroupQueryAttention,
                        MultiHeadAttention)
from .einsum_dense import EinsumDense
from .engine_bridges import FlaxLayer, JaxLayer, TorchModuleWrapper
from .wrapper import Wrapper
from .serialization import deserialize, serialize
