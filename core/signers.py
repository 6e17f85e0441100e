"""Django's Signer.sign for many values: the salt's HMAC key is derived once, not per value.

Signer.sign derives its key (a hash of salt and SECRET_KEY) and sets up an HMAC on every call;
a digest run signs several links per email, so it keeps one BatchSigner per salt for the batch
and copies the keyed HMAC for each value. The output is Signer.sign's, byte for byte, so
Signer.unsign (and SECRET_KEY_FALLBACKS) read it as usual. Make one per batch, not per process:
it holds the key as SECRET_KEY was when it was made.
"""

from django.core.signing import Signer, b64_encode
from django.utils.crypto import salted_hmac


class BatchSigner:
    def __init__(self, salt: str) -> None:
        signer = Signer(salt=salt)
        self.sep = signer.sep
        # Signer.signature() is base64_hmac(salt + "signer", value, key): the same keyed HMAC,
        # fed the value later.
        self._mac = salted_hmac(f"{signer.salt}signer", b"", signer.key, algorithm=signer.algorithm)

    def sign(self, value: str) -> str:
        mac = self._mac.copy()
        mac.update(value.encode())
        return f"{value}{self.sep}{b64_encode(mac.digest()).decode()}"
