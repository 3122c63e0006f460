"""Gymnasium environments of imagery-agent, registered under the `imagery/` namespace.

    import gymnasium as gym, environments
    env = gym.make("imagery/MentalScanning-v0")
    env = gym.make("imagery/MentalRotation-v0", stimuli="letters")
    env = gym.make("imagery/GridNavigation-v0", size=6, image=True)
    env = gym.make("imagery/KeyDoor-v0")
    env = gym.make("imagery/Reinterpretation-v0", items="my_items.txt")
"""
from gymnasium.envs.registration import register, registry

if "imagery/MentalScanning-v0" not in registry:
    register(id="imagery/MentalScanning-v0", entry_point="environments.mental_scanning:MentalScanningEnv",
             max_episode_steps=1)
if "imagery/MentalRotation-v0" not in registry:
    register(id="imagery/MentalRotation-v0", entry_point="environments.mental_rotation:MentalRotationEnv",
             max_episode_steps=1)
if "imagery/GridNavigation-v0" not in registry:  # episodes end themselves (success or max_steps)
    register(id="imagery/GridNavigation-v0", entry_point="environments.rooms_tasks:GridNavigationEnv")
if "imagery/KeyDoor-v0" not in registry:
    register(id="imagery/KeyDoor-v0", entry_point="environments.rooms_tasks:KeyDoorEnv")
if "imagery/Reinterpretation-v0" not in registry:
    register(id="imagery/Reinterpretation-v0", entry_point="environments.reinterpretation:ReinterpretationEnv",
             max_episode_steps=1)
